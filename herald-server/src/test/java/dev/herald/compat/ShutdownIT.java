package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Graceful shutdown (issue 7): on SIGTERM ({@link Process#destroy()} on Linux) the server turns
 * not-ready at once, tells every client to reconnect with {@code pusher:error} 4200 and close 4200
 * within the grace period (HERALD_SHUTDOWN_GRACE=1), flushes the webhooks it holds, and exits with
 * status 0. Raw sockets show the exact frames; pusher-java-client shows what an app sees.
 */
class ShutdownIT {

    private static final Duration GRACE = Duration.ofSeconds(1);

    /** Time allowed beyond the grace for the last close frame to travel and be read. */
    private static final Duration MARGIN = Duration.ofMillis(1500);

    @Test
    void sigtermTurnsNotReadyClosesClientsWith4200FlushesWebhooksAndExitsZero() {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            HeraldProcess herald =
                    HeraldProcess.start(
                            "shutdown",
                            Map.of(
                                    "HERALD_SHUTDOWN_GRACE", Long.toString(GRACE.toSeconds()),
                                    "HERALD_APP_WEBHOOK_URL", receiver.url().toString(),
                                    // a batch still open when SIGTERM arrives: only a flush at
                                    // shutdown delivers it
                                    "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS", "60000"));
            // one reconnection attempt: the client shows it reconnects after 4200, then gives up
            // rather than finding another test's server on this port later
            JavaClient java =
                    JavaClient.withOptions(
                            herald,
                            herald.appKey(),
                            options -> options.setMaxReconnectionAttempts(1));
            java.connect();
            java.awaitState(ConnectionState.CONNECTED);
            try (RawWebSocket first = RawWebSocket.connect(herald);
                    RawWebSocket second = RawWebSocket.connect(herald)) {
                first.subscribeAndAwait("shutdown-news");
                second.subscribeAndAwait("shutdown-news");
                assertThat(Ops.status(herald.ops("/ready"))).isEqualTo(200);
                assertThat(receiver.deliveries()).as("the batch is still open").isEmpty();

                long sigterm = System.nanoTime();
                herald.terminate();

                await("not ready on the metrics port")
                        .atMost(GRACE)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> Ops.status(herald.ops("/ready")) != 200);
                assertThat(Ops.status(herald.ops("/ready")))
                        .as("503, or the listener is already closed")
                        .isIn(503, -1);
                assertThat(Ops.status(herald.http("/ready"))).as("main port").isIn(503, -1);
                for (RawWebSocket ws : List.of(first, second)) {
                    JsonNode error = ws.awaitError();
                    assertThat(error.path("code").asInt()).as("%s", error).isEqualTo(4200);
                    assertThat(error.path("message").asText()).isNotBlank();
                    assertThat(ws.awaitClose().code()).isEqualTo(4200);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - sigterm))
                        .as("both closed within the grace")
                        .isLessThan(GRACE.plus(MARGIN));
                await("the java client is told 4200")
                        .atMost(JavaClient.WAIT)
                        .until(() -> java.errorCodes().contains("4200"));
                java.awaitState(ConnectionState.DISCONNECTED);
                assertThat(java.stateHistory())
                        .as("4200 means: reconnect")
                        .contains(ConnectionState.RECONNECTING);

                assertThat(herald.awaitExit(Duration.ofSeconds(10))).as("exit status").isZero();
                assertThat(receiver.events())
                        .as("the open batch was flushed before exit")
                        .anySatisfy(
                                e -> {
                                    assertThat(e.path("name").asText())
                                            .isEqualTo("channel_occupied");
                                    assertThat(e.path("channel").asText())
                                            .isEqualTo("shutdown-news");
                                });
            } finally {
                herald.close();
            }
        }
    }
}
