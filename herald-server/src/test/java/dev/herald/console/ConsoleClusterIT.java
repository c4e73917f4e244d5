package dev.herald.console;

import static dev.herald.console.EventStream.kind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The console of a two-node cluster on the real Redis: either node's overview sums both nodes with
 * a per-node breakdown, its debug stream shows what happens on both, and the charts' history
 * outlives a node's restart. The Redis is {@link ClusterRedis}'s: 127.0.0.1:6379, or a Redis
 * Cluster of the class's own with {@code -Dherald.it.redis=cluster}.
 */
@Tag(ClusterRedis.MATRIX)
class ConsoleClusterIT {

    private static final TestApp APP = TestApp.named("console-cluster");
    private static final String TOKEN = ConsoleApiIT.TOKEN;
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("console-cluster");
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP).env("HERALD_CONSOLE_TOKEN", TOKEN),
                        "console-cluster-a",
                        "console-cluster-b");
        a = nodes.get(0);
        b = nodes.get(1);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    private static Pusher sdk(HeraldProcess node) {
        Pusher pusher = new Pusher(APP.id(), APP.key(), APP.secret());
        pusher.setHost(HeraldProcess.HOST + ":" + node.port());
        return pusher;
    }

    private static JsonNode get(HeraldProcess node, String path) {
        ConsoleClient.Answer answer =
                new ConsoleClient(node).get(path, ConsoleClient.bearer(TOKEN));
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        return answer.json();
    }

    private static String nodeName(HeraldProcess node) {
        return get(node, "/console/api/session").get("node").asText();
    }

    @Test
    void theOverviewSumsBothNodesWithABreakdownAndOutlivesARestart() throws Exception {
        List<RawWebSocket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(RawWebSocket.connect(a));
            }
            for (int i = 0; i < 2; i++) {
                clients.add(RawWebSocket.connect(b));
            }
            for (RawWebSocket c : clients) {
                c.subscribe("ticks");
                c.awaitEvent("pusher_internal:subscription_succeeded", "ticks");
            }
            for (int i = 0; i < 20; i++) {
                sdk(i % 2 == 0 ? a : b).trigger("ticks", "tick", "{}");
            }
            String nodeA = nodeName(a);
            String nodeB = nodeName(b);
            String overview = "/console/api/apps/" + APP.id() + "/overview";
            // each node records its figures every 10 s; either node reads both
            for (HeraldProcess node : nodes) {
                await().atMost(Duration.ofSeconds(40))
                        .untilAsserted(
                                () -> {
                                    JsonNode o = get(node, overview);
                                    assertThat(o.get("connections").asInt()).isEqualTo(5);
                                    assertThat(o.at("/nodes/" + nodeA + "/connections").asInt())
                                            .isEqualTo(3);
                                    assertThat(o.at("/nodes/" + nodeB + "/connections").asInt())
                                            .isEqualTo(2);
                                    assertThat(o.at("/today/peak_connections").asInt())
                                            .isEqualTo(5);
                                    // 20 events to 5 subscribers, wherever they were published
                                    assertThat(o.at("/today/messages").asLong())
                                            .isGreaterThanOrEqualTo(100);
                                });
            }
            JsonNode hour = get(b, "/console/api/apps/" + APP.id() + "/stats?span=hour");
            assertThat(hour.get("nodes").has(nodeA)).isTrue();
            assertThat(hour.get("nodes").has(nodeB)).isTrue();

            a.restart();
            JsonNode after = get(a, "/console/api/apps/" + APP.id() + "/stats?span=day");
            assertThat(after.get("nodes").has(nodeA))
                    .as("the restarted node still shows what it recorded before")
                    .isTrue();
            assertThat(max(after.get("connections"))).isGreaterThanOrEqualTo(5);
        } finally {
            for (RawWebSocket c : clients) {
                c.close();
            }
        }
    }

    @Test
    void eitherNodesDebugStreamShowsWhatHappensOnBoth() throws Exception {
        String nodeB = nodeName(b);
        try (EventStream stream = EventStream.open(a.metricsPort(), APP.id(), TOKEN)) {
            // node b learns within a second that a viewer on a watches the app
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> {
                                sdk(b).trigger("builds", "probe", "{}");
                                assertThat(stream.events).anyMatch(kind("api_message"));
                            });
            JsonNode fromB =
                    stream.await(
                            "an API message published on node b",
                            e ->
                                    kind("api_message").test(e)
                                            && e.path("node").asText().equals(nodeB));
            assertThat(fromB.path("channel").asText()).isEqualTo("builds");

            try (RawWebSocket onB = RawWebSocket.connect(b)) {
                String socket = onB.socketId();
                JsonNode connected =
                        stream.await(
                                "a connection to node b",
                                e ->
                                        kind("connected").test(e)
                                                && socket.equals(e.path("socket_id").asText()));
                assertThat(connected.path("node").asText()).isEqualTo(nodeB);
            }
            try (RawWebSocket onA = RawWebSocket.connect(a)) {
                String socket = onA.socketId();
                stream.await(
                        "a connection to node a",
                        e ->
                                kind("connected").test(e)
                                        && socket.equals(e.path("socket_id").asText()));
            }
            // each event once, though it travelled through Redis
            assertThat(
                            stream.events.stream()
                                    .filter(kind("connected"))
                                    .map(e -> e.path("socket_id").asText()))
                    .doesNotHaveDuplicates();
        }
    }

    private static long max(JsonNode values) {
        long m = 0;
        for (JsonNode v : values) {
            m = Math.max(m, v.asLong());
        }
        return m;
    }
}
