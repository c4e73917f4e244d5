package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.config.HeraldConfig;
import dev.herald.metrics.HeraldMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A real server whose event loop is blocked by a test task: {@code /health} answers 503 naming the
 * loop on the ops port (served by a loop of its own) and on the server port (from a loop that still
 * turns), and 200 again once the loop is released.
 */
@DisplayName("issue 13: /health reports stuck event loops")
class WatchdogTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private HeraldServer server;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.close();
        }
    }

    private static HeraldConfig config(String... args) {
        return Commands.parsed(args).config();
    }

    @Test
    void healthIs503WhileALoopIsBlockedAnd200AfterIt() throws Exception {
        server =
                new HeraldServer(
                                config(
                                        "--host",
                                        "127.0.0.1",
                                        "--port",
                                        "0",
                                        "--metrics-port",
                                        "0",
                                        "--event-loop-threads",
                                        "2",
                                        "--event-loop-stuck-seconds",
                                        "1",
                                        "--shutdown-grace",
                                        "0",
                                        // the warm-up's listener would take loop 0 first, moving
                                        // the main server socket's accepts to the loop blocked here
                                        "--warm-up=false"),
                                HeraldMetrics.inMemory())
                        .start();
        assertThat(get(server.metricsPort(), "/health")).startsWith("HTTP/1.1 200");

        // the server socket accepts on loop 0; loop 1 serves every other connection
        server.eventLoops().get(1).execute(this::awaitRelease);

        await("the ops port reports loop 1 stuck")
                .atMost(WAIT)
                .until(() -> get(server.metricsPort(), "/health").startsWith("HTTP/1.1 503"));
        assertThat(get(server.metricsPort(), "/health"))
                .contains("\"stuck_event_loops\":[\"event-loop-1\"]");
        assertThat(server.metrics().registry().get("herald.event.loops.stuck").gauge().value())
                .isEqualTo(1);
        assertThat(get(server.metricsPort(), "/ready")).startsWith("HTTP/1.1 503");
        assertThat(mainPortAnswer()).startsWith("HTTP/1.1 503").contains("event-loop-1");

        release.countDown();
        await("the ops port is healthy again")
                .atMost(WAIT)
                .until(() -> get(server.metricsPort(), "/health").startsWith("HTTP/1.1 200"));
        assertThat(server.metrics().registry().get("herald.event.loops.stuck").gauge().value())
                .isZero();
        assertThat(get(server.metricsPort(), "/ready")).startsWith("HTTP/1.1 200");
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** New connections alternate between the loops: the first one served by loop 0 answers. */
    private String mainPortAnswer() {
        for (int attempt = 0; attempt < 4; attempt++) {
            // a connection that landed on the stuck loop gets no answer at all
            String answer = get(server.port(), "/health", 2_000);
            if (!answer.isEmpty()) {
                return answer;
            }
        }
        return "";
    }

    /** One request on a new connection; the whole answer. */
    private static String get(int port, String path) {
        return get(port, path, 5_000);
    }

    /** One request on a new connection; the whole answer, or "" if none came in time. */
    private static String get(int port, String path, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("GET " + path + " HTTP/1.1\r\nHost: herald\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
