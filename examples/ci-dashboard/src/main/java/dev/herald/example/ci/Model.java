package dev.herald.example.ci;

import java.util.List;

/** The app's data, as rows and as the JSON pushed to browsers. */
public final class Model {
    private Model() {}

    public enum Status {
        running,
        success,
        failed;

        public boolean finished() {
            return this != running;
        }
    }

    public record User(long id, String login, String name) {}

    public record Project(long id, String name, String repo) {}

    /** A build row. Times are epoch milliseconds; finishedAt is null while running. */
    public record Build(
            long id,
            long projectId,
            String projectName,
            int number,
            String branch,
            String commit,
            String message,
            String author,
            Status status,
            long startedAt,
            Long finishedAt,
            long updatedAt,
            int lineCount) {}

    /** One output line of a build; n counts from 1. */
    public record LogLine(int n, String text) {}

    /** Payload of the log-lines event and of the log catch-up endpoint. */
    public record LogChunk(long buildId, List<LogLine> lines) {}
}
