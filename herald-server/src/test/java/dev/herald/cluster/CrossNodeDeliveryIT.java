package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Delivery across nodes (issue 6) with the official clients: pusher-java-client subscribers on one
 * node, pusher-http-java calls through another, two real nodes sharing the Redis on 127.0.0.1:6379,
 * or a Redis Cluster of the class's own with {@code -Dherald.it.redis=cluster} ({@link
 * ClusterRedis}).
 */
@Tag(ClusterRedis.MATRIX)
class CrossNodeDeliveryIT {

    private static final TestApp APP = TestApp.named("cluster-delivery");
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("cluster-delivery");
        nodes = HeraldProcess.startAll(redis.node(APP), "cluster-delivery-a", "cluster-delivery-b");
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
    void connectionsCountsTheAppsConnectionsOnEveryNode() {
        clients.connect(a, "one");
        clients.connect(b, "two");
        clients.connect(b, "three");

        // as Laravel Reverb answers it for Pulse; each node learns the others' counts at its
        // heartbeat, so the answer settles within a lease period
        for (Pusher api : List.of(apiA, apiB)) {
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> {
                                Result answer = api.get("/connections");
                                assertThat(answer.getStatus()).isEqualTo(Result.Status.SUCCESS);
                                assertThat(
                                                Json.parse(answer.getMessage())
                                                        .path("connections")
                                                        .asInt())
                                        .isEqualTo(3);
                            });
        }
    }

    @Test
    void deliversATriggerSentThroughAnotherNodeExactlyOnce() {
        Client alice = clients.connect(a, "alice");
        Client bob = clients.connect(b, "bob");
        Client.Recorder onA = alice.subscribe("news");
        Client.Recorder onB = bob.subscribe("news");

        Results.ok(apiB.trigger("news", "story", Map.of("id", 1)));

        onA.awaitEvent("story", "{\"id\":1}");
        onB.awaitEvent("story", "{\"id\":1}");
        onA.fence(apiB);
        onB.fence(apiB);
        assertThat(onA.data("story"))
                .as("subscriber on the other node")
                .containsExactly("{\"id\":1}");
        assertThat(onB.data("story"))
                .as("subscriber on the triggering node")
                .containsExactly("{\"id\":1}");
    }

    @Test
    void excludesTheSocketIdOfAConnectionOnAnotherNode() {
        Client sender = clients.connect(a, "sender");
        Client neighbour = clients.connect(a, "neighbour");
        Client remote = clients.connect(b, "remote");
        Client.Recorder senderRoom = sender.subscribe("room");
        Client.Recorder neighbourRoom = neighbour.subscribe("room");
        Client.Recorder remoteRoom = remote.subscribe("room");

        Results.ok(apiB.trigger("room", "said", Map.of("by", "sender"), sender.socketId()));
        Results.ok(apiA.trigger("room", "said", Map.of("by", "remote"), remote.socketId()));

        neighbourRoom.awaitEvent("said", "{\"by\":\"sender\"}");
        neighbourRoom.awaitEvent("said", "{\"by\":\"remote\"}");
        remoteRoom.awaitEvent("said", "{\"by\":\"sender\"}");
        senderRoom.awaitEvent("said", "{\"by\":\"remote\"}");
        for (Client.Recorder room : List.of(senderRoom, neighbourRoom, remoteRoom)) {
            room.fence(List.of(apiA, apiB));
        }
        assertThat(senderRoom.data("said"))
                .as("excluded through node B, connected to A")
                .containsExactly("{\"by\":\"remote\"}");
        assertThat(remoteRoom.data("said"))
                .as("excluded through node A, connected to B")
                .containsExactly("{\"by\":\"sender\"}");
        assertThat(neighbourRoom.data("said"))
                .containsExactlyInAnyOrder("{\"by\":\"sender\"}", "{\"by\":\"remote\"}");
    }

    @Test
    void keepsPublishOrderOfOneChannelAcrossNodes() {
        Client reader = clients.connect(a, "reader");
        Client.Recorder ticks = reader.subscribe("ticks");

        for (int i = 0; i < 200; i++) {
            Results.ok(apiB.trigger("ticks", "tick", Map.of("n", i)));
        }

        await("200 ticks on node A")
                .atMost(Client.WAIT)
                .until(() -> ticks.events("tick").size() >= 200);
        ticks.fence(apiB);
        List<String> expected =
                IntStream.range(0, 200)
                        .mapToObj(i -> "{\"n\":" + i + "}")
                        .collect(Collectors.toList());
        assertThat(ticks.data("tick")).containsExactlyElementsOf(expected);
    }

    @Test
    void sendsToAUserSignedInOnAnotherNode() {
        Client laptop = clients.connect(a, "carol");
        Client phone = clients.connect(b, "carol");
        Client other = clients.connect(a, "oscar");
        laptop.signIn();
        phone.signIn();
        other.signIn();

        Results.ok(ServerSdk.sendToUser(apiB, "carol", "note", "{\"text\":\"hi\"}"));
        Results.ok(ServerSdk.sendToUser(apiB, "carol", "fence", "{}"));
        Results.ok(ServerSdk.sendToUser(apiA, "oscar", "fence", "{}"));

        for (Client carol : List.of(laptop, phone)) {
            await("fence for carol on " + carol)
                    .atMost(Client.WAIT)
                    .until(() -> !carol.userEvents("fence").isEmpty());
            assertThat(carol.userEvents("note"))
                    .extracting(PusherEvent::getData)
                    .containsExactly("{\"text\":\"hi\"}");
        }
        await("fence for oscar")
                .atMost(Client.WAIT)
                .until(() -> !other.userEvents("fence").isEmpty());
        assertThat(other.userEvents("note")).as("another user gets nothing").isEmpty();
    }

    @Test
    void terminateConnectionsThroughAnotherNodeClosesTheUsersConnectionsWith4009() {
        Client dave = clients.connect(a, "dave");
        dave.signIn();
        Client daveOnB = clients.connect(b, "dave");
        daveOnB.signIn();
        Client frank = clients.connect(a, "frank");
        frank.signIn();
        try (RawWebSocket daveRaw =
                RawWebSocket.open(
                        a.ws(APP.key(), "protocol=7&client=java-raw&version=1.0"),
                        Map.of(),
                        Client.WAIT)) {
            daveRaw.awaitConnectionEstablished();
            daveRaw.signin(APP.key(), APP.secret(), "{\"id\":\"dave\"}");
            daveRaw.awaitEvent("pusher:signin_success");

            Results.ok(ServerSdk.terminateUserConnections(apiB, "dave"));

            assertThat(daveRaw.awaitClose().code()).as("close code on node A").isEqualTo(4009);
            for (Client client : List.of(dave, daveOnB)) {
                client.awaitState(ConnectionState.DISCONNECTED);
                assertThat(client.errorCodes).contains("4009");
                assertThat(client.stateHistory())
                        .as("a 4009 close tells the client not to reconnect")
                        .doesNotContain(ConnectionState.RECONNECTING);
            }
        }
        Results.ok(ServerSdk.sendToUser(apiB, "frank", "still-here", "{}"));
        await("frank still served")
                .atMost(Client.WAIT)
                .until(() -> !frank.userEvents("still-here").isEmpty());
        assertThat(frank.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
    }
}
