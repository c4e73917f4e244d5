package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RedisFailover;
import dev.herald.testing.RedisSentinelProcesses;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes on a Sentinel-watched Redis (a master, a replica, three sentinels, all started here)
 * follow a failover through {@code HERALD_REDIS_URL=redis-sentinel://…#mymaster}: clients stay
 * subscribed, publications cross the nodes again in both directions within the documented time
 * (docs/scaling.md), and members and counts are whole again, with no member removed on the way.
 */
class SentinelFailoverIT {

    private static final TestApp APP = TestApp.named("sentinel-failover");

    /** From the master's death to events crossing the nodes again (docs/scaling.md). */
    private static final Duration RESUMED = Duration.ofSeconds(15);

    private static RedisSentinelProcesses redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = RedisSentinelProcesses.start("sentinel-failover");
        nodes =
                HeraldProcess.startAll(
                        HeraldProcess.clusterNode(APP, redis.url())
                                .env("HERALD_NODE_LEASE_SECONDS", "4"),
                        "sentinel-a",
                        "sentinel-b");
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
    void aFailoverIsFollowedWithClientsSubscribedAndNoMemberLost() {
        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Client.Recorder aliceNews = alice.subscribe("news");
        Client.Recorder bobNews = bob.subscribe("news");
        Client.Recorder aliceRoom = alice.subscribePresence("presence-room");
        bob.subscribePresence("presence-room");
        aliceRoom.awaitAdded("bob");
        Results.ok(apiA.trigger("news", "story", Map.of("n", 1)));
        Results.ok(apiB.trigger("news", "story", Map.of("n", 2)));
        bobNews.awaitEvent("story", "{\"n\":1}");
        aliceNews.awaitEvent("story", "{\"n\":2}");

        long killed = System.nanoTime();
        redis.killMaster();
        RedisFailover failover = redis.awaitFailover();

        // publish through A until B's client hears one: the first to arrive marks the resumption
        AtomicInteger n = new AtomicInteger(100);
        await("node B hears node A's publications again")
                .atMost(RESUMED)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            apiA.trigger("news", "probe", Map.of("n", n.incrementAndGet()));
                            return !bobNews.data("probe").isEmpty();
                        });
        long resumedMillis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf(
                "sentinel failover took %d ms; cross-node delivery resumed %d ms after the kill%n",
                failover.took().toMillis(), resumedMillis);

        Results.ok(apiB.trigger("news", "story", Map.of("n", 3)));
        aliceNews.awaitEvent("story", "{\"n\":3}");
        Results.ok(apiA.trigger("news", "story", Map.of("n", 4)));
        bobNews.awaitEvent("story", "{\"n\":4}");
        for (HeraldProcess node : nodes) {
            await(node + " ready after the failover")
                    .atMost(RESUMED)
                    .until(() -> node.readyStatus() == 200);
        }
        for (Pusher api : List.of(apiA, apiB)) {
            await("members and counts whole again")
                    .atMost(RESUMED)
                    .untilAsserted(
                            () -> {
                                assertThat(Api.userIds(api, "presence-room"))
                                        .containsExactlyInAnyOrder("alice", "bob");
                                JsonNode info =
                                        ServerSdk.get(
                                                api,
                                                "/channels/presence-room",
                                                Map.of("info", "user_count,subscription_count"));
                                assertThat(info.path("user_count").asInt()).isEqualTo(2);
                                assertThat(info.path("subscription_count").asInt()).isEqualTo(2);
                            });
        }
        aliceRoom.fence(List.of(apiA, apiB));
        assertThat(aliceRoom.unsubscribedIds()).as("a failover removes no member").isEmpty();
        for (Client.Recorder news : List.of(aliceNews, bobNews)) {
            news.fence(List.of(apiA, apiB));
            assertThat(news.data("story"))
                    .as("every story once, through either node")
                    .containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
        }
    }
}
