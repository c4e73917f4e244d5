package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RedisClusterProcesses;
import dev.herald.testing.RedisFailover;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes on a Redis Cluster follow the failover of the master that holds, at once, the relay
 * channel of a channel subscribed on both nodes, the keys of a presence channel with members on
 * both, and the cluster's node leases ({@code herald:nodes}): the channel names are chosen so that
 * all three hash to that master's slots, the worst a single master's death can do. The master dies
 * with SIGKILL; its replica takes over (node timeout 1 s). Within {@link #RESUMED} of the kill,
 * publications cross the nodes again in both directions, and members and counts are whole on both
 * nodes with no member removed on the way. The nodes keep the default lease (20 s). The measured
 * times are printed.
 */
@Tag(RedisClusterIT.CI)
class RedisClusterFailoverIT {

    private static final TestApp APP = TestApp.named("cluster-failover");

    /** From the master's death to events crossing the nodes again, and presence whole again. */
    static final Duration RESUMED = Duration.ofSeconds(20);

    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.cluster("cluster-failover");
        nodes = HeraldProcess.startAll(redis.node(APP), "cluster-failover-a", "cluster-failover-b");
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
    void aMasterFailoverIsFollowedWithClientsSubscribedAndNoMemberLost() {
        RedisClusterProcesses cluster = redis.cluster();
        int doomed = cluster.masterForSlot(RedisClusterProcesses.slot(ClusterRedis.NODES_KEY));
        String news = onMaster(cluster, doomed, "news-");
        String room = onMaster(cluster, doomed, "presence-room-");

        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Client.Recorder aliceNews = alice.subscribe(news);
        Client.Recorder bobNews = bob.subscribe(news);
        Client.Recorder aliceRoom = alice.subscribePresence(room);
        bob.subscribePresence(room);
        aliceRoom.awaitAdded("bob");
        Results.ok(apiA.trigger(news, "story", Map.of("n", 1)));
        Results.ok(apiB.trigger(news, "story", Map.of("n", 2)));
        bobNews.awaitEvent("story", "{\"n\":1}");
        aliceNews.awaitEvent("story", "{\"n\":2}");
        // what is about to die really holds them: both nodes' relay subscriptions, the room's keys
        assertThat(
                        cluster.call(
                                doomed,
                                "PUBSUB",
                                "SHARDNUMSUB",
                                ClusterRedis.relayChannel(APP, news)))
                .as("shard subscribers of %s on %d", news, doomed)
                .isEqualTo(List.of(ClusterRedis.relayChannel(APP, news), 2L));
        assertThat(cluster.call(doomed, "EXISTS", ClusterRedis.occupancyKey(APP, room)))
                .isEqualTo(1L);

        long killed = System.nanoTime();
        cluster.killMaster(doomed);
        // probes go both ways from the kill on, while the cluster fails over; the ms from the
        // kill until A's probe reached B, B's reached A, and both nodes answered presence whole
        long[] at = new long[3];
        String[] lastAnswer = {"none yet"};
        // the fixture waits for the cluster on a thread of its own, so that the measuring starts at
        // the kill and the cluster's failover time is its own figure
        CompletableFuture<RedisFailover> failingOver =
                CompletableFuture.supplyAsync(() -> cluster.awaitFailover(doomed));
        try (Probe probeAB = Probe.start(apiA, news, "probe-ab");
                Probe probeBA = Probe.start(apiB, news, "probe-ba")) {
            try {
                await("delivery in both directions, and presence whole on both nodes")
                        .atMost(RESUMED.minusNanos(System.nanoTime() - killed))
                        .pollInterval(Duration.ofMillis(20))
                        .until(
                                () -> {
                                    at[0] = heardSince(at[0], bobNews, "probe-ab", killed);
                                    at[1] = heardSince(at[1], aliceNews, "probe-ba", killed);
                                    if (at[2] == 0) {
                                        String problem = presenceProblem(room, news);
                                        if (problem == null) {
                                            at[2] = millisSince(killed);
                                        } else {
                                            lastAnswer[0] = problem;
                                        }
                                    }
                                    return at[0] > 0 && at[1] > 0 && at[2] > 0;
                                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(
                        String.format(
                                "not whole %s after the kill: A to B at %d ms, B to A at %d ms,"
                                        + " presence at %d ms (0: not yet; last: %s)",
                                RESUMED, at[0], at[1], at[2], lastAnswer[0]),
                        e);
            }
        }
        RedisFailover failover = failingOver.join();
        for (HeraldProcess node : nodes) {
            await(node + " ready after the failover")
                    .atMost(RESUMED)
                    .until(() -> node.readyStatus() == 200);
        }
        System.out.printf(
                "cluster failover of %d (to %d) took %d ms; after the kill, delivery resumed"
                        + " A to B in %d ms, B to A in %d ms; members and counts whole in %d ms%n",
                failover.oldMasterPort(),
                failover.newMasterPort(),
                failover.took().toMillis(),
                at[0],
                at[1],
                at[2]);

        Results.ok(apiB.trigger(news, "story", Map.of("n", 3)));
        Results.ok(apiA.trigger(news, "story", Map.of("n", 4)));
        aliceNews.awaitEvent("story", "{\"n\":3}");
        bobNews.awaitEvent("story", "{\"n\":4}");
        aliceRoom.fence(List.of(apiA, apiB));
        assertThat(aliceRoom.unsubscribedIds()).as("a failover removes no member").isEmpty();
        for (Client.Recorder recorder : List.of(aliceNews, bobNews)) {
            recorder.fence(List.of(apiA, apiB));
            assertThat(recorder.data("story"))
                    .as("every story once, through either node")
                    .containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
        }
    }

    /** The ms from the kill until {@code event} was first seen, or 0 while it is not. */
    private static long heardSince(
            long already, Client.Recorder receiver, String event, long killedNanos) {
        return already > 0 || receiver.events(event).isEmpty() ? already : millisSince(killedNanos);
    }

    private static long millisSince(long nanos) {
        return Math.max(1, (System.nanoTime() - nanos) / 1_000_000);
    }

    /**
     * What keeps either node from answering alice and bob as the room's members, 2 users and 2
     * subscriptions, and 2 subscriptions to {@code news}; null when both do.
     */
    private static String presenceProblem(String room, String news) {
        for (Pusher api : List.of(apiA, apiB)) {
            try {
                List<String> users = Api.userIds(api, room);
                JsonNode info =
                        ServerSdk.get(
                                api,
                                "/channels/" + room,
                                Map.of("info", "user_count,subscription_count"));
                JsonNode newsInfo =
                        ServerSdk.get(
                                api, "/channels/" + news, Map.of("info", "subscription_count"));
                if (!users.equals(List.of("alice", "bob"))
                        || info.path("user_count").asInt() != 2
                        || info.path("subscription_count").asInt() != 2
                        || newsInfo.path("subscription_count").asInt() != 2) {
                    return api + ": users " + users + ", " + info + ", " + news + " " + newsInfo;
                }
            } catch (RuntimeException | AssertionError e) {
                return api + ": " + e.getMessage();
            }
        }
        return null;
    }

    /**
     * Numbered events published on a channel through one node every 100 ms on a thread of its own,
     * until closed: a trigger that waits on the dying master holds up neither the other direction
     * nor the test's polling.
     */
    private static final class Probe implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;

        private Probe(Pusher api, String channel, String event) {
            thread =
                    new Thread(
                            () -> {
                                int n = 0;
                                while (!stop) {
                                    api.trigger(channel, event, Map.of("n", ++n));
                                    try {
                                        Thread.sleep(100);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "probe " + event);
            thread.setDaemon(true);
        }

        static Probe start(Pusher api, String channel, String event) {
            Probe probe = new Probe(api, channel, event);
            probe.thread.start();
            return probe;
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }

    /**
     * {@code prefix0}, {@code prefix1}, …: the first whose slot the master on {@code port} serves.
     */
    private static String onMaster(RedisClusterProcesses cluster, int port, String prefix) {
        for (int i = 0; i < 1000; i++) {
            String channel = prefix + i;
            if (cluster.masterForSlot(ClusterRedis.channelSlot(APP, channel)) == port) {
                return channel;
            }
        }
        throw new IllegalStateException("no " + prefix + "N of the first 1000 on " + port);
    }
}
