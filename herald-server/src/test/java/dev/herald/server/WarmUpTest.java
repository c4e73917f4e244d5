package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.config.ServerSettings;
import dev.herald.limits.MessageBudget;
import dev.herald.testing.RawWebSocket;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.TransportKind;
import dev.herald.transport.Transports;
import dev.herald.transport.WebSocketUpgrade;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    private HeraldServer start(String... extra) throws InterruptedException {
        server =
                Commands.server(
                        Stream.concat(
                                        Stream.of("--metrics-port", "-1", "--shutdown-grace", "0"),
                                        Stream.of(extra))
                                .toArray(String[]::new));
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
                .isLessThanOrEqualTo(ServerSettings.WARM_UP_CONNECTIONS.defaultValue());
        assertThat(warm.took())
                .as("time-boxed")
                .isLessThan(Duration.ofMillis(ServerSettings.WARM_UP_BUDGET_MILLIS).plusSeconds(3));
        if (warm.connections() < ServerSettings.WARM_UP_CONNECTIONS.defaultValue()) {
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
    void runsAsManyConnectionsAsItIsGiven() throws Exception {
        start("--warm-up-connections", "50");

        WarmUp.Result warm = server.warmedUp();
        assertThat(warm.failed()).isZero();
        assertThat(warm.connections()).isEqualTo(50);
        assertThat(server.isReady()).isTrue();
    }

    @Test
    void stopsAtItsTimeBudgetWhateverItsCount() throws Exception {
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(
                        2, Transports.select(TransportKind.NIO).ioHandlerFactory());
        try {
            WarmUp warmUp =
                    new WarmUp(
                            group,
                            Transports.select(TransportKind.NIO),
                            new HttpLimits(1 << 20, 10_000, 60_000),
                            new WebSocketUpgrade(1 << 16, 120_000, 30_000),
                            64 * 1024,
                            120,
                            1 << 16,
                            MessageBudget.DEFAULT);

            // a first connection loads the classes, which in a fresh JVM can take longer than
            // the budget below
            assertThat(warmUp.run(1, Duration.ofSeconds(30)).connections()).isEqualTo(1);

            WarmUp.Result warm = warmUp.run(1_000_000, Duration.ofMillis(300));

            assertThat(warm.connections()).isPositive().isLessThan(1_000_000);
            assertThat(warm.failed()).as("cut off by the time, not failed").isZero();
            assertThat(warm.took())
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300))
                    .isLessThan(Duration.ofMillis(300).plusSeconds(3));
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void isSkippedWhenTurnedOff() throws Exception {
        start("--warm-up", "false");

        assertThat(server.warmedUp()).isNull();
        assertThat(server.isReady()).isTrue();
    }
}
