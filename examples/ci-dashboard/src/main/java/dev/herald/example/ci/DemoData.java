package dev.herald.example.ci;

import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.Project;
import dev.herald.example.ci.Model.Status;
import dev.herald.example.ci.Model.User;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Demo users, projects, access rights and a little build history, written once into an empty
 * database.
 *
 * <ul>
 *   <li>alice: herald-server, web-frontend, payments-api
 *   <li>bob: web-frontend, mobile-app
 *   <li>carol: payments-api only
 * </ul>
 */
public final class DemoData {
    public static final List<String> PROJECTS =
            List.of("herald-server", "web-frontend", "payments-api", "mobile-app");
    public static final Map<String, List<String>> ACCESS =
            Map.of(
                    "alice", List.of("herald-server", "web-frontend", "payments-api"),
                    "bob", List.of("web-frontend", "mobile-app"),
                    "carol", List.of("payments-api"));
    private static final String[][] USERS = {
        {"alice", "Alice Archer"}, {"bob", "Bob Baker"}, {"carol", "Carol Chen"}
    };

    private DemoData() {}

    /** Seeds the database if it has no users yet. Returns true when it did. */
    public static boolean seedIfEmpty(Store store) throws SQLException {
        if (!store.isEmpty()) {
            return false;
        }
        for (String name : PROJECTS) {
            store.createProject(name, "git@git.example.com:acme/" + name + ".git");
        }
        for (String[] u : USERS) {
            User user = store.createUser(u[0], u[1]);
            for (String projectName : ACCESS.get(u[0])) {
                store.grant(user.id(), store.projectByName(projectName).orElseThrow().id());
            }
        }
        // A little history, oldest first, so that every page has something to show.
        Random rnd = new Random(42);
        long now = System.currentTimeMillis();
        List<Project> projects = store.projects();
        int count = 14;
        for (int i = 0; i < count; i++) {
            Project p = projects.get(rnd.nextInt(projects.size()));
            long started = now - (count - i) * 7 * 60_000L - rnd.nextInt(120_000);
            long finished = started + 30_000 + rnd.nextInt(150_000);
            Status status = rnd.nextInt(4) == 0 ? Status.failed : Status.success;
            String author = USERS[rnd.nextInt(USERS.length)][1];
            BuildRunner.Script s = BuildRunner.randomScript(p, author, 0).withResult(status);
            List<String> lines = BuildRunner.output(p, s.branch(), s.commit(), s.message(), status);
            Build b =
                    store.createBuild(
                            p.id(),
                            s.branch(),
                            s.commit(),
                            s.message(),
                            author,
                            status,
                            started,
                            finished);
            store.appendLines(b.id(), lines, finished);
        }
        return true;
    }
}
