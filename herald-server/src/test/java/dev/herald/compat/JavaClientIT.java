package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pusher-java-client 2.4.4 (protocol 5), unchanged, against Herald: connection, public, private and
 * presence channels, client events, and the refusals it must survive. Private and presence
 * signatures come from pusher-http-java's {@code authenticate}.
 */
class JavaClientIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("java-client");
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private JavaClient connect(String userId) {
        return open.track(JavaClient.connected(herald, userId));
    }

    @Test
    void connectsThroughConnectingToConnectedWithAPusherSocketId() {
        JavaClient first = connect("u1");
        JavaClient second = connect("u2");

        assertThat(first.stateHistory())
                .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
        assertThat(first.socketId()).matches("\\d+\\.\\d+");
        assertThat(second.socketId()).matches("\\d+\\.\\d+").isNotEqualTo(first.socketId());
        assertThat(first.errors).isEmpty();
    }

    @Test
    void disconnectsCleanlyOnRequest() {
        JavaClient client = connect("u1");

        client.close();

        assertThat(client.stateHistory())
                .containsExactly(
                        ConnectionState.CONNECTING,
                        ConnectionState.CONNECTED,
                        ConnectionState.DISCONNECTING,
                        ConnectionState.DISCONNECTED);
    }

    @Test
    void receivesEventTriggeredOnPublicChannel() {
        JavaClient client = connect("u1");
        JavaClient.Recorder news = client.subscribe("public-news");

        Results.ok(sdk.trigger("public-news", "headline", Map.of("title", "Herald ships")));

        PusherEvent event = news.awaitEvent("headline");
        assertThat(event.getChannelName()).isEqualTo("public-news");
        assertThat(event.getData()).isEqualTo("{\"title\":\"Herald ships\"}");
        assertThat(event.getUserId()).isNull();
    }

    @Test
    void unsubscribingVacatesTheChannel() {
        JavaClient client = connect("u1");
        client.subscribe("public-leaving");
        assertThat(
                        ServerSdk.get(sdk, "/channels/public-leaving", Map.of())
                                .path("occupied")
                                .asBoolean())
                .isTrue();

        client.pusher.unsubscribe("public-leaving");

        await("public-leaving becomes unoccupied")
                .atMost(JavaClient.WAIT)
                .until(
                        () ->
                                !ServerSdk.get(sdk, "/channels/public-leaving", Map.of())
                                        .path("occupied")
                                        .asBoolean());
    }

    @Test
    void subscribesToPrivateChannelSignedBySdk() {
        JavaClient client = connect("u1");
        JavaClient.Recorder orders = client.subscribePrivate("private-orders");

        Results.ok(sdk.trigger("private-orders", "created", Map.of("id", 7)));

        assertThat(orders.awaitEvent("created").getData()).isEqualTo("{\"id\":7}");
        assertThat(orders.authenticationFailures).isEmpty();
        assertThat(client.errors).isEmpty();
    }

    @Test
    void refusesPrivateChannelWithBadSignatureAndKeepsTheConnectionUsable() {
        Pusher good = Sdk.of(herald);
        Pusher forger = Sdk.of(herald, herald.appId(), herald.appKey(), "not-the-secret");
        ChannelAuthorizer authorizer =
                (channel, socketId) ->
                        channel.startsWith("private-forged")
                                ? forger.authenticate(socketId, channel)
                                : good.authenticate(socketId, channel);
        JavaClient client = open.track(JavaClient.connected(herald, authorizer));

        JavaClient.Recorder forged = client.subscribePrivateAsync("private-forged");
        JavaClient.Recorder genuine = client.subscribePrivate("private-genuine");

        await("pusher:error 4009")
                .atMost(JavaClient.WAIT)
                .until(() -> client.errorCodes().contains("4009"));
        assertThat(client.errors)
                .filteredOn(e -> "4009".equals(e.code()))
                .allSatisfy(e -> assertThat(e.message()).isNotBlank());
        assertThat(forged.awaitEvent("pusher:subscription_error").getData()).contains("status");
        assertThat(forged.succeeded).isFalse();
        assertThat(client.pusher.getPrivateChannel("private-forged").isSubscribed()).isFalse();

        Results.ok(
                sdk.trigger(
                        List.of("private-forged", "private-genuine"), "after", Map.of("ok", true)));
        assertThat(genuine.awaitEvent("after").getData()).isEqualTo("{\"ok\":true}");
        genuine.fence(sdk);
        assertThat(forged.events("after")).as("an unauthorized channel receives nothing").isEmpty();
        assertThat(client.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(client.stateHistory())
                .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
    }

    @Test
    void presenceSubscriptionListsMembersWithTheirInfo() {
        JavaClient alice = connect("alice");
        JavaClient.Recorder aliceRoom = alice.subscribePresence("presence-lobby");

        assertThat(aliceRoom.usersInformation).hasSize(1);
        assertThat(ids(aliceRoom.usersInformation.get(0))).containsExactly("alice");
        assertThat(alice.presenceChannel("presence-lobby").getMe().getId()).isEqualTo("alice");
        assertThat(
                        Json.parse(alice.presenceChannel("presence-lobby").getMe().getInfo())
                                .path("name")
                                .asText())
                .isEqualTo("user alice");

        JavaClient bob = connect("bob");
        JavaClient.Recorder bobRoom = bob.subscribePresence("presence-lobby");

        assertThat(ids(bobRoom.usersInformation.get(0))).containsExactlyInAnyOrder("alice", "bob");
        await("alice sees bob join")
                .atMost(JavaClient.WAIT)
                .until(() -> aliceRoom.subscribed.size() == 1);
        User joined = aliceRoom.subscribed.get(0);
        assertThat(joined.getId()).isEqualTo("bob");
        assertThat(Json.parse(joined.getInfo()).path("name").asText()).isEqualTo("user bob");
        assertThat(ids(alice.presenceChannel("presence-lobby").getUsers()))
                .containsExactlyInAnyOrder("alice", "bob");

        bobRoom.fence(sdk);
        aliceRoom.fence(sdk);
        assertThat(bobRoom.subscribedIds()).as("the joining socket gets no member_added").isEmpty();
        assertThat(aliceRoom.subscribedIds()).containsExactly("bob");

        bob.close();

        await("alice sees bob leave")
                .atMost(JavaClient.WAIT)
                .until(() -> aliceRoom.unsubscribed.size() == 1);
        assertThat(aliceRoom.unsubscribedIds()).containsExactly("bob");
        assertThat(ids(alice.presenceChannel("presence-lobby").getUsers()))
                .containsExactly("alice");
    }

    @Test
    void reportsAUserOnceEvenWithTwoConnections() {
        String room = "presence-twice";
        JavaClient observer = connect("observer");
        JavaClient.Recorder watched = observer.subscribePresence(room);

        JavaClient carolPhone = connect("carol");
        carolPhone.subscribePresence(room);
        JavaClient carolLaptop = connect("carol");
        JavaClient.Recorder laptopRoom = carolLaptop.subscribePresence(room);
        assertThat(ids(laptopRoom.usersInformation.get(0)))
                .containsExactlyInAnyOrder("observer", "carol");
        JsonNode channel =
                ServerSdk.get(
                        sdk, "/channels/" + room, Map.of("info", "user_count,subscription_count"));
        assertThat(channel.path("user_count").asInt()).isEqualTo(2);
        assertThat(channel.path("subscription_count").asInt()).isEqualTo(3);

        watched.fence(sdk);
        assertThat(watched.subscribedIds())
                .as("member_added once for carol's two sockets")
                .containsExactly("carol");

        carolPhone.close();
        awaitSubscriptionCount(room, 2);
        watched.fence(sdk);
        assertThat(watched.unsubscribedIds())
                .as("carol is still present through her laptop")
                .isEmpty();
        assertThat(ids(observer.presenceChannel(room).getUsers()))
                .containsExactlyInAnyOrder("observer", "carol");

        carolLaptop.close();

        await("observer sees carol leave")
                .atMost(JavaClient.WAIT)
                .until(() -> !watched.unsubscribed.isEmpty());
        watched.fence(sdk);
        assertThat(watched.unsubscribedIds()).containsExactly("carol");
        assertThat(ids(observer.presenceChannel(room).getUsers())).containsExactly("observer");
    }

    @Test
    void deliversClientEventToOtherSubscriberWithoutEchoingIt() {
        JavaClient sender = connect("s");
        JavaClient receiver = connect("r");
        JavaClient.Recorder sent = sender.subscribePrivate("private-chat");
        JavaClient.Recorder received = receiver.subscribePrivate("private-chat");

        sender.privateChannel("private-chat").trigger("client-typing", "{\"typing\":true}");

        PusherEvent event = received.awaitEvent("client-typing");
        assertThat(event.getData()).isEqualTo("{\"typing\":true}");
        assertThat(event.getChannelName()).isEqualTo("private-chat");
        assertThat(event.getUserId()).as("no user_id outside presence channels").isNull();
        sent.fence(sdk);
        assertThat(sent.events("client-typing")).as("not echoed to the sender").isEmpty();
        assertThat(sender.errors).isEmpty();
    }

    @Test
    void addsSenderUserIdToClientEventOnPresenceChannel() {
        JavaClient alice = connect("alice");
        JavaClient bob = connect("bob");
        JavaClient.Recorder aliceRoom = alice.subscribePresence("presence-chat");
        JavaClient.Recorder bobRoom = bob.subscribePresence("presence-chat");

        alice.presenceChannel("presence-chat").trigger("client-wave", "{\"hand\":\"left\"}");

        PusherEvent event = bobRoom.awaitEvent("client-wave");
        assertThat(event.getUserId()).isEqualTo("alice");
        assertThat(event.getData()).isEqualTo("{\"hand\":\"left\"}");
        aliceRoom.fence(sdk);
        assertThat(aliceRoom.events("client-wave")).isEmpty();
    }

    @Test
    void unknownAppKeyGets4001AndTheClientDoesNotReconnect() {
        JavaClient stranger = open.track(JavaClient.create(herald, "no-such-key", null));

        stranger.connect();

        stranger.awaitState(ConnectionState.DISCONNECTED);
        await("error 4001")
                .atMost(JavaClient.WAIT)
                .until(() -> stranger.errorCodes().contains("4001"));
        assertThat(stranger.stateHistory())
                .as("refused for good: never connected, never reconnecting")
                .containsExactly(
                        ConnectionState.CONNECTING,
                        ConnectionState.DISCONNECTING,
                        ConnectionState.DISCONNECTED);
        assertThat(stranger.socketId()).isNull();
    }

    private static void awaitSubscriptionCount(String channel, int count) {
        await(channel + " has " + count + " subscriptions")
                .atMost(JavaClient.WAIT)
                .until(
                        () ->
                                ServerSdk.get(
                                                        sdk,
                                                        "/channels/" + channel,
                                                        Map.of("info", "subscription_count"))
                                                .path("subscription_count")
                                                .asInt()
                                        == count);
    }

    private static List<String> ids(Collection<User> users) {
        return users.stream().map(User::getId).collect(Collectors.toList());
    }
}
