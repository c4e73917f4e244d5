package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.config.HeraldConfig;
import dev.herald.config.ServerSettings;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.testing.RawWebSocket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up ({@link WarmUp}, {@code --warm-up}): it runs before the node is ready,
 * within its bounds, and none of its connections is seen by the node's metrics, its connection
 * limits or its apps.
 */
class WarmUpTest {

    private HeraldServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HeraldConfig config(String... args) {
        return Commands.parsed(args).config();
    }

    private HeraldServer start(String... extra) throws InterruptedException {
        List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "--host",
                                "127.0.0.1",
                                "--port",
                                "0",
                                "--metrics-port",
                                "-1",
                                "--shutdown-grace",
                                "0"));
        args.addAll(List.of(extra));
        server = new HeraldServer(config(args.toArray(String[]::new)), HeraldMetrics.inMemory());
        return server.start();
    }

    private double counted(String name) {
        return server.metrics().registry().find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    @Test
    void runsBeforeReadyWithinItsBoundsAndNoneOfItsConnectionsCountsAnywhere() throws Exception {
        // a node that admits one connection, one a second from an address: the warm-up's
        // hundreds of connections from loopback would exhaust both if they counted
        start("--max-connections", "1", "--max-connections-per-ip-per-second", "1");

        WarmUp.Result warm = server.warmedUp();
        assertThat(warm).isNotNull();
        assertThat(warm.failed()).isZero();
        assertThat(warm.connections())
                .isPositive()
                .isLessThanOrEqualTo(ServerSettings.WARM_UP_CONNECTIONS);
        assertThat(warm.took())
                .as("time-boxed")
                .isLessThan(
                        Duration.ofMillis(ServerSettings.WARM_UP_BUDGET_MILLIS).plusMillis(1_500));
        if (warm.connections() < ServerSettings.WARM_UP_CONNECTIONS) {
            assertThat(warm.took())
                    .as("stopped early only for lack of time")
                    .isGreaterThanOrEqualTo(
                            Duration.ofMillis(ServerSettings.WARM_UP_BUDGET_MILLIS));
        }
        assertThat(server.isReady()).isTrue();

        // the node's own meters saw nothing: no connection, refusal, message or API request
        assertThat(counted("herald.connections.opened")).isZero();
        assertThat(counted("herald.connections.refused")).isZero();
        assertThat(counted("herald.messages.received")).isZero();
        assertThat(counted("herald.http.requests")).isZero();
        assertThat(
                        server.metrics().registry().find("herald.connections").meters().stream()
                                .map(Meter::getId)
                                .map(id -> id.getTag("app")))
                .doesNotContain("herald-warm-up");

        // the first real client has the whole budget: the node's one slot, the address's one
        // connection this second
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7");
        try (RawWebSocket client = RawWebSocket.open(uri)) {
            client.awaitConnectionEstablished();
            client.subscribe("news");
            client.awaitEvent("pusher_internal:subscription_succeeded");
            assertThat(counted("herald.connections.opened")).isEqualTo(1);
            try (RawWebSocket second = RawWebSocket.open(uri)) {
                assertThat(second.awaitError().path("code").asInt())
                        .as("the limits still hold for real clients")
                        .isEqualTo(4100);
            }
        }
    }

    @Test
    void isSkippedWhenTurnedOff() throws Exception {
        start("--warm-up", "false");

        assertThat(server.warmedUp()).isNull();
        assertThat(server.isReady()).isTrue();
    }
}
