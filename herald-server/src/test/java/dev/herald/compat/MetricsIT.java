package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prometheus metrics and health endpoints (issue 7) read from outside, as Prometheus and a load
 * balancer would, after traffic whose size the test knows: connections, HTTP triggers fanned out to
 * subscribers, client events and a rate-limit refusal.
 */
class MetricsIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("metrics", Map.of("HERALD_CLIENT_EVENTS_PER_SECOND", "2"));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void showsTheConnectionsMessagesRequestsAndRefusalsOfKnownTraffic() {
        int connections = 3;
        int triggers = 4;
        Map<String, String> app = Map.of("app", herald.appId());
        RawWebSocket sender = raw();
        RawWebSocket receiver = raw();
        RawWebSocket idle = raw();
        List<RawWebSocket> subscribers = List.of(sender, receiver);
        for (RawWebSocket ws : subscribers) {
            ws.subscribeAndAwait("metrics-news");
            ws.subscribeSigned(sdk, "private-metrics");
        }
        await("the gauge shows " + connections + " connections")
                .atMost(JavaClient.WAIT)
                .until(() -> Ops.scrape(herald).value("herald_connections", app) == connections);
        double sentBefore = Ops.scrape(herald).value("herald_messages_sent_total", app);

        for (int i = 0; i < triggers; i++) {
            Results.ok(sdk.trigger("metrics-news", "tick", Map.of("i", i)));
        }
        for (RawWebSocket ws : subscribers) {
            ws.awaitEvent("tick", "metrics-news");
            for (int i = 1; i < triggers; i++) {
                ws.awaitEvent("tick", "metrics-news");
            }
        }
        sender.trigger("private-metrics", "client-hello", Json.parse("{\"n\":0}"));
        receiver.awaitEvent("client-hello", "private-metrics");
        for (int i = 1; i <= 5; i++) {
            sender.trigger("private-metrics", "client-hello", Json.parse("{\"n\":" + i + "}"));
        }
        sender.await(
                "pusher:error 4301",
                f ->
                        "pusher:error".equals(f.path("event").asText())
                                && Json.data(f).path("code").asInt() == 4301);

        Ops.Metrics metrics = Ops.scrape(herald);
        assertThat(metrics.value("herald_connections", app)).isEqualTo(connections);
        assertThat(metrics.value("herald_connections_opened_total", app))
                .isGreaterThanOrEqualTo(connections);
        assertThat(metrics.value("herald_messages_sent_total", app) - sentBefore)
                .as("each trigger reached %d subscribers", subscribers.size())
                .isGreaterThanOrEqualTo(triggers * subscribers.size());
        assertThat(
                        metrics.value(
                                "herald_http_requests_total",
                                Map.of("route", "events", "status", "200")))
                .isEqualTo(triggers);
        assertThat(metrics.value("herald_client_events_total", app)).isGreaterThanOrEqualTo(1);
        assertThat(metrics.value("herald_client_events_rate_limited_total", app))
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics.value("herald_subscriptions", app)).isEqualTo(2 * subscribers.size());
        assertThat(metrics.value("herald_channels", app)).isEqualTo(2);

        idle.close();
        await("the gauge follows a disconnect")
                .atMost(JavaClient.WAIT)
                .until(
                        () ->
                                Ops.scrape(herald).value("herald_connections", app)
                                        == connections - 1);
    }

    @Test
    void healthAndReadyAnswer200OnTheMainPortAndTheMetricsPort() {
        for (String path : List.of("/health", "/ready")) {
            assertThat(Ops.status(herald.http(path))).as("main port %s", path).isEqualTo(200);
            assertThat(Ops.status(herald.ops(path))).as("metrics port %s", path).isEqualTo(200);
        }
    }

    @Test
    void servesPrometheusTextWithJvmMetersOnTheMetricsPort() {
        Ops.Metrics metrics = Ops.scrape(herald);

        assertThat(metrics.names()).contains("herald_webhook_queue_depth");
        assertThat(metrics.samples).anyMatch(s -> s.name().startsWith("jvm_memory_used"));
        assertThat(metrics.samples).anyMatch(s -> s.name().startsWith("process_"));
    }

    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }
}
