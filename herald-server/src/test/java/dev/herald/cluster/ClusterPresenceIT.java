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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence, counts, the channel list and cache channels answered as one server by each of three
 * nodes (issue 6), with pusher-java-client members and pusher-http-java queries, on the Redis of
 * {@link ClusterRedis} (127.0.0.1:6379, or a Redis Cluster of the class's own).
 */
@Tag(ClusterRedis.MATRIX)
class ClusterPresenceIT {

    private static final TestApp APP = TestApp.named("cluster-presence");
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static HeraldProcess c;
    private static List<Pusher> apis;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("cluster-presence");
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP),
                        "cluster-presence-a",
                        "cluster-presence-b",
                        "cluster-presence-c");
        a = nodes.get(0);
        b = nodes.get(1);
        c = nodes.get(2);
        apis = List.of(Api.of(a), Api.of(b), Api.of(c));
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void everyNodeAnswersPresenceQueriesWithTheWholeClusters() {
        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Client bobAgain = clients.connect(c, "bob");
        Client.Recorder aliceRoom = alice.subscribePresence("presence-agree");
        Client.Recorder bobRoom = bob.subscribePresence("presence-agree");
        Client.Recorder bobAgainRoom = bobAgain.subscribePresence("presence-agree");

        assertThat(bobRoom.initialMembers()).as("member list on B").containsExactly("alice", "bob");
        assertThat(bobAgainRoom.initialMembers())
                .as("member list on C")
                .containsExactly("alice", "bob");
        for (Pusher api : apis) {
            assertThat(Api.userIds(api, "presence-agree"))
                    .as("users through %s", api)
                    .containsExactly("alice", "bob");
            JsonNode info =
                    ServerSdk.get(
                            api,
                            "/channels/presence-agree",
                            Map.of("info", "user_count,subscription_count"));
            assertThat(info.path("occupied").asBoolean()).as("%s", info).isTrue();
            assertThat(info.path("user_count").asInt()).as("%s", info).isEqualTo(2);
            assertThat(info.path("subscription_count").asInt()).as("%s", info).isEqualTo(3);
            JsonNode list =
                    ServerSdk.get(
                            api,
                            "/channels",
                            Map.of("filter_by_prefix", "presence-", "info", "user_count"));
            assertThat(list.path("channels").path("presence-agree").path("user_count").asInt())
                    .as("%s", list)
                    .isEqualTo(2);
        }
        aliceRoom.fence(apis);
        assertThat(aliceRoom.subscribedIds())
                .as("bob's second socket adds nobody")
                .containsExactly("bob");
    }

    @Test
    void sendsMemberAddedForTheFirstSocketAnywhereAndMemberRemovedForTheLast() {
        Client watcher = clients.connect(a, "watcher");
        Client.Recorder room = watcher.subscribePresence("presence-once");
        Client carolOnB = clients.connect(b, "carol");
        Client carolOnC = clients.connect(c, "carol");

        carolOnB.subscribePresence("presence-once");
        room.awaitAdded("carol");
        Client.Recorder carolRoomOnC = carolOnC.subscribePresence("presence-once");
        room.fence(apis);
        assertThat(room.subscribedIds())
                .as("carol's second socket, on another node")
                .containsExactly("carol");
        assertThat(carolRoomOnC.initialMembers()).containsExactly("carol", "watcher");

        carolOnB.unsubscribe("presence-once");
        awaitSubscriptionCount("presence-once", 2);
        room.fence(apis);
        assertThat(room.unsubscribedIds()).as("carol still has a socket on node C").isEmpty();
        for (Pusher api : apis) {
            assertThat(Api.userIds(api, "presence-once")).containsExactly("carol", "watcher");
        }

        carolOnC.unsubscribe("presence-once");
        room.awaitRemoved("carol", Client.WAIT);
        room.fence(apis);
        assertThat(room.unsubscribedIds()).containsExactly("carol");
        for (Pusher api : apis) {
            assertThat(Api.userIds(api, "presence-once")).containsExactly("watcher");
        }
    }

    @Test
    void aCacheChannelsLastEventTriggeredThroughOneNodeReachesANewSubscriberOnAnother() {
        Results.ok(apis.get(0).trigger("cache-prices", "price", Map.of("eur", 42)));

        Client late = clients.connect(b, "late");
        Client.Recorder prices = late.subscribe("cache-prices");

        prices.awaitEvent("price", "{\"eur\":42}");
        JsonNode info =
                ServerSdk.get(apis.get(2), "/channels/cache-prices", Map.of("info", "cache"));
        assertThat(info.path("cache").path("event").asText())
                .as("through node C: %s", info)
                .isEqualTo("price");
        assertThat(info.path("cache").path("data").asText())
                .as("through node C: %s", info)
                .isEqualTo("{\"eur\":42}");
        prices.fence(apis.get(1));
        assertThat(prices.events("pusher:cache_miss")).isEmpty();
        assertThat(prices.data("price")).containsExactly("{\"eur\":42}");
    }

    /** Waits until every node counts {@code expected} subscriptions to {@code channel}. */
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
}
