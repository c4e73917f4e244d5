package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes survive their Redis going away and coming back empty (issue 6): meanwhile each keeps
 * serving its own clients and reports 503 on {@code /ready}; afterwards, without a restart, they
 * are ready again, deliver across nodes again and have re-written their members.
 *
 * <p>The Redis is the test's own ({@link ClusterRedis#own}: a redis-server child process on a free
 * port, no persistence), so stopping it disturbs nobody else. With {@code
 * -Dherald.it.redis=cluster} it is a Redis Cluster of the test's own, and "Redis goes away" is
 * every one of its six nodes killed at once; they come back empty with their cluster configuration,
 * the same masters serving the same slots, each with a new run id.
 */
@Tag(ClusterRedis.MATRIX)
class RedisRestartIT {

    private static final TestApp APP = TestApp.named("cluster-restart");

    /** How soon the nodes must be ready again once Redis is back. */
    private static final Duration RECOVERY = Duration.ofSeconds(15);

    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.own("redis-restart");
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP).env("HERALD_NODE_LEASE_SECONDS", "4"),
                        "cluster-restart-a",
                        "cluster-restart-b");
        a = nodes.get(0);
        b = nodes.get(1);
        apiA = Api.of(a);
        apiB = Api.of(b);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void nodesServeLocallyThroughARedisRestartAndRejoinWithoutARestart() {
        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Client.Recorder aliceNews = alice.subscribe("news");
        Client.Recorder bobNews = bob.subscribe("news");
        Client.Recorder aliceRoom = alice.subscribePresence("presence-room");
        bob.subscribePresence("presence-room");
        aliceRoom.awaitAdded("bob");
        Results.ok(apiB.trigger("news", "story", Map.of("n", 1)));
        aliceNews.awaitEvent("story", "{\"n\":1}");
        Results.ok(apiA.trigger("news", "story", Map.of("n", 2)));
        bobNews.awaitEvent("story", "{\"n\":2}");

        redis.kill();

        for (HeraldProcess node : nodes) {
            await(node + " reports not ready while Redis is away")
                    .atMost(Client.WAIT)
                    .until(() -> node.readyStatus() == 503);
        }
        Results.ok(apiA.trigger("news", "story", Map.of("n", 3)));
        aliceNews.awaitEvent("story", "{\"n\":3}");
        Client carol = clients.connect(a, "carol");
        Client.Recorder carolLocal = carol.subscribe("local-only");
        Results.ok(apiA.trigger("local-only", "note", Map.of("n", 4)));
        carolLocal.awaitEvent("note", "{\"n\":4}");
        assertThat(a.readyStatus()).as("still without Redis").isEqualTo(503);

        long restarted = System.nanoTime();
        redis.restart();

        for (HeraldProcess node : nodes) {
            await(node + " ready again after Redis returned")
                    .atMost(RECOVERY)
                    .until(() -> node.readyStatus() == 200);
        }
        long recoveredMillis = (System.nanoTime() - restarted) / 1_000_000;
        System.out.printf(
                "%s restarted empty: both nodes ready %d ms after the restart began%n",
                redis, recoveredMillis);
        Results.ok(apiB.trigger("news", "story", Map.of("n", 5)));
        Results.ok(apiA.trigger("news", "story", Map.of("n", 6)));
        aliceNews.awaitEvent("story", "{\"n\":5}");
        bobNews.awaitEvent("story", "{\"n\":6}");
        for (Pusher api : List.of(apiA, apiB)) {
            assertThat(Api.userIds(api, "presence-room"))
                    .as("members re-written %d ms after the restart", recoveredMillis)
                    .containsExactly("alice", "bob");
            JsonNode info =
                    ServerSdk.get(
                            api,
                            "/channels/presence-room",
                            Map.of("info", "user_count,subscription_count"));
            assertThat(info.path("user_count").asInt()).as("%s", info).isEqualTo(2);
            assertThat(info.path("subscription_count").asInt()).as("%s", info).isEqualTo(2);
        }
        aliceRoom.fence(List.of(apiA, apiB));
        assertThat(aliceRoom.unsubscribedIds()).as("an outage removes no member").isEmpty();
        assertThat(aliceNews.data("story"))
                .as("everything once, nothing lost")
                .containsExactlyInAnyOrder(
                        "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":5}", "{\"n\":6}");
        assertThat(bobNews.data("story"))
                .containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":2}", "{\"n\":5}", "{\"n\":6}");
    }
}
