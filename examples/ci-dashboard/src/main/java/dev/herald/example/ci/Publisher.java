package dev.herald.example.ci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogChunk;
import dev.herald.example.ci.Model.LogLine;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the app says to Herald, through the official pusher-http-java: triggers carrying the
 * changed content, and the signatures for {@code /pusher/auth}.
 *
 * <p>Channels and events:
 *
 * <ul>
 *   <li>{@code private-project-<id>}: {@code build-created} and {@code build-updated}, each with
 *       the build row;
 *   <li>{@code private-build-<id>}: {@code log-lines} ({@code {buildId, lines:[{n,text}]}}) and
 *       {@code build-updated}.
 * </ul>
 */
public final class Publisher implements AutoCloseable {
    public static final String BUILD_CREATED = "build-created";
    public static final String BUILD_UPDATED = "build-updated";
    public static final String LOG_LINES = "log-lines";

    /** Pusher's limit is 10 KB of data per event; stay well below it. */
    static final int MAX_CHUNK_BYTES = 8 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Publisher.class);

    private final Pusher pusher;
    private final AtomicBoolean failing = new AtomicBoolean();
    private final ObjectMapper json;

    public Publisher(Config config, ObjectMapper json) {
        this.json = json;
        this.pusher = new Pusher(config.appId(), config.appKey(), config.appSecret());
        pusher.setHost(config.heraldHost() + ":" + config.heraldPort());
        pusher.setEncrypted(false);
        pusher.setRequestTimeout(5000);
        pusher.setDataMarshaller(this::toJson);
    }

    public static String projectChannel(long projectId) {
        return "private-project-" + projectId;
    }

    public static String buildChannel(long buildId) {
        return "private-build-" + buildId;
    }

    /** The signed answer for pusher-js: {@code {"auth":"key:signature"}}. */
    public String authenticate(String socketId, String channelName) {
        return pusher.authenticate(socketId, channelName);
    }

    public void buildCreated(Build build) {
        trigger(List.of(projectChannel(build.projectId())), BUILD_CREATED, build);
    }

    public void buildUpdated(Build build) {
        trigger(
                List.of(projectChannel(build.projectId()), buildChannel(build.id())),
                BUILD_UPDATED,
                build);
    }

    public void logLines(long buildId, List<LogLine> lines) {
        for (List<LogLine> chunk : chunks(lines)) {
            trigger(List.of(buildChannel(buildId)), LOG_LINES, new LogChunk(buildId, chunk));
        }
    }

    /** Splits lines so that each event stays under the size limit. */
    List<List<LogLine>> chunks(List<LogLine> lines) {
        List<List<LogLine>> out = new ArrayList<>();
        List<LogLine> current = new ArrayList<>();
        int size = 64;
        for (LogLine line : lines) {
            int lineSize = toJson(line).getBytes(StandardCharsets.UTF_8).length + 1;
            if (!current.isEmpty() && size + lineSize > MAX_CHUNK_BYTES) {
                out.add(current);
                current = new ArrayList<>();
                size = 64;
            }
            current.add(line);
            size += lineSize;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private void trigger(List<String> channels, String event, Object data) {
        String failure;
        try {
            Result r = pusher.trigger(channels, event, data);
            if (r.getStatus() == Result.Status.SUCCESS) {
                if (failing.compareAndSet(true, false)) {
                    log.info("Herald accepts triggers again");
                }
                return;
            }
            failure = r.getStatus() + " " + r.getHttpStatus() + " " + r.getMessage();
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        // one warning per outage: while Herald is down every build line would fail in turn
        if (failing.compareAndSet(false, true)) {
            log.warn(
                    "trigger {} on {} failed: {}; later failures are logged at debug level until one"
                            + " succeeds",
                    event,
                    channels,
                    failure);
        } else {
            log.debug("trigger {} on {} failed: {}", event, channels, failure);
        }
    }

    private String toJson(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            pusher.close();
        } catch (Exception e) {
            log.debug("closing pusher client", e);
        }
    }
}
