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
import dev.herald.testing.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two Herald nodes on a Redis Cluster of the class's own (3 masters with a replica each, node
 * timeout 1 s) answer as one server: delivery across nodes on channels of every shard, a trigger to
 * channels of several shards, presence and its events once, the channel queries, a cache channel,
 * webhooks once, and a killed node's members gone with its lease. One class so that the cluster and
 * the nodes start once; every {@code ./mvnw verify} runs it (tag {@value #CI}, docs/testing.md).
 */
@Tag(RedisClusterIT.CI)
class RedisClusterIT {

    /** The tag of the Redis Cluster tests every build runs (a few minutes in all). */
    static final String CI = "redis-cluster-ci";

    private static final TestApp APP = TestApp.named("redis-cluster");
    private static final int LEASE_SECONDS = 4;
    private static final Duration HOOK_WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger FENCES = new AtomicInteger();
    private static ClusterRedis redis;
    private static WebhookReceiver hooks;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    private static List<Pusher> apis;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.cluster("cluster-ci");
        hooks = WebhookReceiver.start();
        nodes = HeraldProcess.startAll(node(), "redis-cluster-a", "redis-cluster-b");
        a = nodes.get(0);
        b = nodes.get(1);
        apiA = Api.of(a);
        apiB = Api.of(b);
        apis = List.of(apiA, apiB);
    }

    private static HeraldProcess.Builder node() {
        return redis.node(APP)
                .env(
                        Map.of(
                                "HERALD_NODE_LEASE_SECONDS",
                                Integer.toString(LEASE_SECONDS),
                                "HERALD_APP_WEBHOOK_URL",
                                hooks.url().toString(),
                                "HERALD_WEBHOOK_DEBOUNCE_MS",
                                "1000",
                                "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS",
                                "100"));
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (hooks != null) {
            hooks.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void deliversAcrossNodesOnChannelsOfEveryShardExactlyOnce() {
        Map<String, Integer> channels = channelsOnEveryMaster("spread-");
        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Map<String, Client.Recorder> onA = new LinkedHashMap<>();
        Map<String, Client.Recorder> onB = new LinkedHashMap<>();
        for (String channel : channels.keySet()) {
            onA.put(channel, alice.subscribe(channel));
            onB.put(channel, bob.subscribe(channel));
        }

        int n = 0;
        for (String channel : channels.keySet()) {
            Results.ok(apiA.trigger(channel, "story", Map.of("n", ++n)));
            Results.ok(apiB.trigger(channel, "story", Map.of("n", ++n)));
        }
        // one trigger to a channel of every shard
        Results.ok(apiA.trigger(List.copyOf(channels.keySet()), "all", Map.of("n", 0)));

        n = 0;
        for (String channel : channels.keySet()) {
            List<String> expected = List.of("{\"n\":" + ++n + "}", "{\"n\":" + ++n + "}");
            for (Client.Recorder recorder : List.of(onA.get(channel), onB.get(channel))) {
                recorder.awaitEvent("all", "{\"n\":0}");
                expected.forEach(data -> recorder.awaitEvent("story", data));
                recorder.fence(apis);
                assertThat(recorder.data("story"))
                        .as("%s (slot %d) on either node", channel, channels.get(channel))
                        .containsExactlyInAnyOrderElementsOf(expected);
                assertThat(recorder.data("all")).containsExactly("{\"n\":0}");
            }
        }
    }

    @Test
    void presenceQueriesAndMemberEventsAreTheWholeClustersOnEitherNode() {
        Client watcher = clients.connect(a, "watcher");
        Client.Recorder room = watcher.subscribePresence("presence-agree");
        Client carolOnA = clients.connect(a, "carol");
        Client carolOnB = clients.connect(b, "carol");
        Client daveOnB = clients.connect(b, "dave");
        Client.Recorder plain = daveOnB.subscribe("plain-agree");

        carolOnA.subscribePresence("presence-agree");
        room.awaitAdded("carol");
        Client.Recorder carolRoomOnB = carolOnB.subscribePresence("presence-agree");
        Client.Recorder daveRoom = daveOnB.subscribePresence("presence-agree");
        room.awaitAdded("dave");
        assertThat(carolRoomOnB.initialMembers()).containsExactly("carol", "watcher");
        assertThat(daveRoom.initialMembers()).containsExactly("carol", "dave", "watcher");

        for (Pusher api : apis) {
            assertThat(Api.userIds(api, "presence-agree"))
                    .as("users through %s", api)
                    .containsExactly("carol", "dave", "watcher");
            JsonNode info =
                    ServerSdk.get(
                            api,
                            "/channels/presence-agree",
                            Map.of("info", "user_count,subscription_count"));
            assertThat(info.path("occupied").asBoolean()).as("%s", info).isTrue();
            assertThat(info.path("user_count").asInt()).as("%s", info).isEqualTo(3);
            assertThat(info.path("subscription_count").asInt()).as("%s", info).isEqualTo(4);
            JsonNode presence =
                    ServerSdk.get(
                            api,
                            "/channels",
                            Map.of("filter_by_prefix", "presence-", "info", "user_count"));
            assertThat(presence.path("channels").path("presence-agree").path("user_count").asInt())
                    .as("%s", presence)
                    .isEqualTo(3);
            JsonNode all = ServerSdk.get(api, "/channels", Map.of("info", "subscription_count"));
            assertThat(all.path("channels").path("plain-agree").path("subscription_count").asInt())
                    .as("%s", all)
                    .isEqualTo(1);
            JsonNode plainInfo =
                    ServerSdk.get(
                            api, "/channels/plain-agree", Map.of("info", "subscription_count"));
            assertThat(plainInfo.path("subscription_count").asInt())
                    .as("%s", plainInfo)
                    .isEqualTo(1);
        }
        plain.fence(apis);

        carolOnA.unsubscribe("presence-agree");
        awaitSubscriptionCount("presence-agree", 3);
        room.fence(apis);
        assertThat(room.unsubscribedIds()).as("carol still has a socket on node B").isEmpty();
        carolOnB.unsubscribe("presence-agree");
        room.awaitRemoved("carol", Client.WAIT);
        room.fence(apis);
        assertThat(room.subscribedIds()).as("once per user").containsExactly("carol", "dave");
        assertThat(room.unsubscribedIds()).containsExactly("carol");
        for (Pusher api : apis) {
            assertThat(Api.userIds(api, "presence-agree")).containsExactly("dave", "watcher");
        }
    }

    @Test
    void aCacheChannelsLastEventReachesALateSubscriberOnTheOtherNode() {
        Results.ok(apiA.trigger("cache-prices", "price", Map.of("eur", 42)));

        Client late = clients.connect(b, "late");
        Client.Recorder prices = late.subscribe("cache-prices");

        prices.awaitEvent("price", "{\"eur\":42}");
        prices.fence(apiB);
        assertThat(prices.events("pusher:cache_miss")).isEmpty();
        assertThat(prices.data("price")).containsExactly("{\"eur\":42}");
    }

    @Test
    void webhooksFireOnceForTheWholeCluster() {
        Client onA = clients.connect(a, "erin");
        Client onB = clients.connect(b, "erin");
        onA.subscribePresence("presence-hooked");
        onB.subscribePresence("presence-hooked");
        hooks.awaitSummary("presence-hooked", "member_added:erin", HOOK_WAIT);
        hooks.awaitSummary("presence-hooked", "channel_occupied", HOOK_WAIT);
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .containsExactlyInAnyOrder("channel_occupied", "member_added:erin");

        onA.close();
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .as("erin still has a socket on node B")
                .containsExactlyInAnyOrder("channel_occupied", "member_added:erin");

        onB.close();
        hooks.awaitSummary("presence-hooked", "member_removed:erin", HOOK_WAIT);
        hooks.awaitSummary("presence-hooked", "channel_vacated", HOOK_WAIT);
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .containsExactlyInAnyOrder(
                        "channel_occupied",
                        "member_added:erin",
                        "member_removed:erin",
                        "channel_vacated");
    }

    @Test
    void aKilledNodesMembersExpireWithItsLeaseAndTheirEventsFireOnce() {
        HeraldProcess doomed = node().name("redis-cluster-doomed").start();
        try {
            Client wendy = clients.connect(a, "wendy");
            Client.Recorder shared = wendy.subscribePresence("presence-shared");
            Client zed = clients.connect(doomed, "zed");
            zed.subscribePresence("presence-shared");
            zed.subscribePresence("presence-solo");
            shared.awaitAdded("zed");
            hooks.awaitSummary("presence-solo", "member_added:zed", HOOK_WAIT);
            hooks.awaitSummary("presence-shared", "member_added:zed", HOOK_WAIT);

            long killed = System.nanoTime();
            doomed.kill();
            clients.forget(zed);
            zed.pusher.disconnect(); // no reconnection to the dead node

            Duration expiry = Duration.ofSeconds(LEASE_SECONDS + 10);
            shared.awaitRemoved("zed", expiry);
            long removedMillis = (System.nanoTime() - killed) / 1_000_000;
            hooks.awaitSummary("presence-shared", "member_removed:zed", expiry);
            hooks.awaitSummary("presence-solo", "member_removed:zed", expiry);
            hooks.awaitSummary("presence-solo", "channel_vacated", expiry);
            System.out.printf(
                    "a killed node's member removed %d ms after the kill (lease %d s)%n",
                    removedMillis, LEASE_SECONDS);
            for (Pusher api : apis) {
                assertThat(Api.userIds(api, "presence-shared")).containsExactly("wendy");
                assertThat(Api.userIds(api, "presence-solo")).isEmpty();
                JsonNode solo =
                        ServerSdk.get(
                                api,
                                "/channels/presence-solo",
                                Map.of("info", "user_count,subscription_count"));
                assertThat(solo.path("occupied").asBoolean()).as("%s", solo).isFalse();
                JsonNode sharedInfo =
                        ServerSdk.get(
                                api,
                                "/channels/presence-shared",
                                Map.of("info", "user_count,subscription_count"));
                assertThat(sharedInfo.path("user_count").asInt()).as("%s", sharedInfo).isEqualTo(1);
                assertThat(sharedInfo.path("subscription_count").asInt())
                        .as("%s", sharedInfo)
                        .isEqualTo(1);
            }

            shared.fence(apis);
            fence();
            assertThat(shared.unsubscribedIds()).containsExactly("zed");
            assertThat(hooks.occupancyAndMembership("presence-solo"))
                    .containsExactlyInAnyOrder(
                            "channel_occupied",
                            "member_added:zed",
                            "member_removed:zed",
                            "channel_vacated");
            assertThat(hooks.occupancyAndMembership("presence-shared"))
                    .containsExactlyInAnyOrder(
                            "channel_occupied",
                            "member_added:wendy",
                            "member_added:zed",
                            "member_removed:zed");
        } finally {
            doomed.kill();
        }
    }

    /**
     * Channels named {@code prefix0}, {@code prefix1}, … until their slots are on every master,
     * with their slots: what a test sends on them crosses every shard.
     */
    private static Map<String, Integer> channelsOnEveryMaster(String prefix) {
        List<Integer> masters = redis.cluster().masters();
        Map<String, Integer> channels = new LinkedHashMap<>();
        TreeSet<Integer> covered = new TreeSet<>();
        for (int i = 0; covered.size() < masters.size(); i++) {
            assertThat(i).as("channels to cover %s", masters).isLessThan(1000);
            String channel = prefix + i;
            int slot = ClusterRedis.channelSlot(APP, channel);
            if (covered.add(redis.cluster().masterForSlot(slot))) {
                channels.put(channel, slot);
            }
        }
        return channels;
    }

    private static void awaitSubscriptionCount(String channel, int expected) {
        for (Pusher api : apis) {
            await("subscription_count of " + channel + " is " + expected)
                    .atMost(Client.WAIT)
                    .until(
                            () ->
                                    ServerSdk.get(
                                                            api,
                                                            "/channels/" + channel,
                                                            Map.of("info", "subscription_count"))
                                                    .path("subscription_count")
                                                    .asInt()
                                            == expected);
        }
    }

    /**
     * Occupies and vacates a fresh channel on each node and waits for its {@code channel_vacated}:
     * each node sends its webhooks in order, so whatever it decided before has arrived by then.
     */
    private void fence() {
        List<String> channels = new ArrayList<>();
        for (HeraldProcess node : nodes) {
            String channel = "fence-" + FENCES.incrementAndGet();
            try (Client client = Client.connect(node, "fence")) {
                client.subscribe(channel);
            }
            channels.add(channel);
        }
        for (String channel : channels) {
            hooks.awaitSummary(channel, "channel_vacated", HOOK_WAIT);
        }
    }
}
