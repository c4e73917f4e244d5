package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.channel.PusherEvent;
import com.pusher.rest.Pusher;
import com.pusher.rest.SignatureUtil;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * User sign-in (docs/protocol.md §4.1), server-to-user delivery (§4.3), watchlist events (§4.4) and
 * terminate_connections (§4.5), with the default app (user authentication and watchlist on).
 *
 * <p>pusher-java-client 2.4.4 signs in with {@code pusher.signin()}, a {@code UserAuthenticator}
 * and {@code pusher.user().bind...}; it is used wherever it can be. pusher-http-java 1.3.4 has no
 * {@code authenticateUser}, {@code sendToUser} or {@code terminateUserConnections}: the sign-in
 * signature is computed as protocol §4.1 says ({@link Sdk#userAuth}, checked against the worked
 * example there, below) and the two API calls go through the SDK's generic signed {@code post}. The Java
 * client has no watchlist support, so the watchlist is driven with raw frames, as are the frames
 * the library hides (the refusals' exact codes, presence without {@code channel_data}).
 */
class UserAuthenticationIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("user-auth");
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    // --- sign-in ---

    @Test
    void signsTheSpecsSignInVectorExactly() {
        String userData = "{\"id\":\"12345\",\"user_info\":{\"name\":\"Mr. Channels\"},\"watchlist\":[\"2\",\"3\"]}";

        String auth = Sdk.userAuth("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", userData);

        assertThat(auth).isEqualTo(
                "278d425bdf160c739803:e630d6ef88d2dadf1902cf47ea191bd047bda28fe137bb70dee13a445ce5646f");
    }

    @Test
    void answersSigninWithSigninSuccessCarryingTheSameUserDataString() {
        RawWebSocket ws = raw();
        String userData = "{\"id\":\"dora\",\"user_info\":{\"name\":\"Dora\",\"tags\":[1,2]}}";

        JsonNode success = ws.signinAndAwait(herald, userData);

        assertThat(success.path("user_data").isTextual()).as("user_data is a JSON string: %s", success).isTrue();
        assertThat(success.path("user_data").asText()).isEqualTo(userData);
        assertThat(ws.roundTrip()).isEmpty();
    }

    @Test
    void deliversEventsSentToAUserToEverySocketOfThatUserAndNoOtherSocket() {
        JavaClient aliceLaptop = signedIn("alice");
        JavaClient alicePhone = signedIn("alice");
        JavaClient bob = signedIn("bob");
        JavaClient anonymous = open.track(JavaClient.connected(herald, "anon"));
        JavaClient.Recorder anonymousNews = anonymous.subscribe("user-news");

        Sdk.ok(Sdk.sendToUser(sdk, "alice", "private-note", "{\"text\":\"hi alice\"}"));

        for (JavaClient alice : List.of(aliceLaptop, alicePhone)) {
            PusherEvent note = awaitUserEvent(alice, "private-note");
            assertThat(note.getData()).isEqualTo("{\"text\":\"hi alice\"}");
            assertThat(note.getChannelName()).isEqualTo("#server-to-user-alice");
        }
        Sdk.ok(Sdk.sendToUser(sdk, "bob", "user-fence", "{}"));
        awaitUserEvent(bob, "user-fence");
        assertThat(bob.userEvents("private-note")).as("bob gets nothing of alice's").isEmpty();
        anonymousNews.fence(sdk);
        assertThat(anonymous.userEvents).isEmpty();
        assertThat(anonymousNews.events("private-note")).isEmpty();
        assertThat(aliceLaptop.userEvents("private-note")).as("delivered once per socket").hasSize(1);
        assertThat(aliceLaptop.errors).isEmpty();
    }

    @Test
    void refusesSigninWithABadSignatureWith4009AndCloses() {
        RawWebSocket ws = raw();

        ws.signin(herald.appKey(), "not-the-secret", "{\"id\":\"mallory\"}");

        JsonNode error = ws.awaitError();
        assertThat(error.path("code").asInt()).as("%s", error).isEqualTo(4009);
        assertThat(ws.awaitClose().code()).isEqualTo(4009);
    }

    @Test
    void refusesSigninWhoseUserDataHasNoIdWith4009AndCloses() {
        RawWebSocket ws = raw();

        ws.signin(herald.appKey(), herald.appSecret(), "{\"user_info\":{\"name\":\"nobody\"}}");

        assertThat(ws.awaitError().path("code").asInt()).isEqualTo(4009);
        assertThat(ws.awaitClose().code()).isEqualTo(4009);
    }

    @Test
    void javaClientWithAForgedSigninGets4009AndDoesNotReconnect() {
        String userData = "{\"id\":\"mallory\"}";
        JavaClient forger = open.track(JavaClient.create(herald, herald.appKey(), null,
                Sdk.userAuthenticator(herald.appKey(), "not-the-secret", userData)));
        forger.connect();
        forger.awaitState(ConnectionState.CONNECTED);

        forger.pusher.signin();

        await("error 4009").atMost(JavaClient.WAIT).until(() -> forger.errorCodes().contains("4009"));
        forger.awaitState(ConnectionState.DISCONNECTED);
        assertThat(forger.stateHistory()).as("closed for good")
                .doesNotContain(ConnectionState.RECONNECTING)
                .containsOnlyOnce(ConnectionState.CONNECTED);
        assertThat(forger.pusher.user().userId()).isNull();
    }

    @Test
    void refusesAnotherUsersServerToUserChannelWith4009AndDeliversItNothing() {
        RawWebSocket bob = raw();
        bob.signinAndAwait(herald, "{\"id\":\"bob-2\"}");
        bob.subscribeAndAwait("bob-fence");
        RawWebSocket anonymous = raw();
        anonymous.subscribeAndAwait("anon-fence");

        bob.subscribe("#server-to-user-carol-2");
        bob.awaitErrorAndStayOpen(4009);
        anonymous.subscribe("#server-to-user-carol-2");
        anonymous.awaitErrorAndStayOpen(4009);

        Sdk.ok(Sdk.sendToUser(sdk, "carol-2", "for-carol", "{}"));
        assertThat(names(bob.fence(sdk, "bob-fence"))).doesNotContain("for-carol");
        assertThat(names(anonymous.fence(sdk, "anon-fence"))).doesNotContain("for-carol");
    }

    @Test
    void acceptsOwnServerToUserChannelFromARawSignedInSocket() {
        RawWebSocket erin = raw();
        erin.signinAndAwait(herald, "{\"id\":\"erin\"}");

        erin.subscribeAndAwait("#server-to-user-erin");
        Sdk.ok(Sdk.sendToUser(sdk, "erin", "for-erin", "{\"n\":1}"));

        JsonNode event = erin.awaitEvent("for-erin");
        assertThat(event.path("channel").asText()).isEqualTo("#server-to-user-erin");
        assertThat(event.path("data").asText()).isEqualTo("{\"n\":1}");
    }

    // --- presence from the sign-in ---

    @Test
    void presenceSubscriptionWithoutChannelDataTakesTheMemberFromTheSignin() {
        String room = "presence-signed";
        JavaClient observer = open.track(JavaClient.connected(herald, "observer"));
        JavaClient.Recorder observed = observer.subscribePresence(room);
        RawWebSocket carol = raw();
        carol.signinAndAwait(herald, "{\"id\":\"carol\",\"user_info\":{\"name\":\"Carol\"}}");

        // a pusher-js 7.4+ client: signed over socket_id:channel only, no channel_data
        carol.subscribe(room, authWithoutChannelData(carol, room), null);

        JsonNode presence = Json.data(carol.awaitEvent("pusher_internal:subscription_succeeded", room)).path("presence");
        assertThat(texts(presence.path("ids"))).containsExactlyInAnyOrder("observer", "carol");
        assertThat(presence.path("hash").path("carol").path("name").asText()).isEqualTo("Carol");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
        await("observer sees carol").atMost(JavaClient.WAIT).until(() -> !observed.subscribed.isEmpty());
        assertThat(observed.subscribedIds()).containsExactly("carol");
        assertThat(Json.parse(observed.subscribed.get(0).getInfo()).path("name").asText()).isEqualTo("Carol");
        assertThat(userIds(room)).containsExactlyInAnyOrder("observer", "carol");
    }

    @Test
    void refusesPresenceWithoutChannelDataFromASocketThatDidNotSignInWith4307() {
        String room = "presence-unsigned";
        JavaClient observer = open.track(JavaClient.connected(herald, "observer"));
        JavaClient.Recorder observed = observer.subscribePresence(room);
        RawWebSocket stranger = raw();

        stranger.subscribe(room, authWithoutChannelData(stranger, room), null);

        JsonNode error = stranger.awaitError();
        assertThat(error.path("code").asInt()).as("presence channel_data invalid: %s", error).isEqualTo(4307);
        observed.fence(sdk);
        assertThat(observed.subscribed).isEmpty();
        assertThat(userIds(room)).containsExactly("observer");
    }

    // --- terminate_connections ---

    @Test
    void terminateConnectionsClosesEverySocketSignedInAsTheUserWith4009AndNoOther() {
        JavaClient daveLaptop = signedIn("dave");
        JavaClient davePhone = signedIn("dave");
        RawWebSocket daveRaw = raw();
        daveRaw.signinAndAwait(herald, "{\"id\":\"dave\"}");
        JavaClient frank = signedIn("frank");
        RawWebSocket daveNotSignedIn = raw(); // a presence member called dave that never signed in
        daveNotSignedIn.subscribePresence(sdk, "presence-terminate", new PresenceUser("dave"));
        daveNotSignedIn.awaitEvent("pusher_internal:subscription_succeeded", "presence-terminate");

        Result result = Sdk.ok(Sdk.terminateUserConnections(sdk, "dave"));

        assertThat(Json.parse(result.getMessage()).isObject()).as("body %s", result.getMessage()).isTrue();
        JsonNode error = daveRaw.awaitError();
        assertThat(error.path("code").asInt()).isEqualTo(4009);
        assertThat(error.path("message").asText()).isEqualTo("You got disconnected by the app.");
        assertThat(daveRaw.awaitClose().code()).isEqualTo(4009);
        for (JavaClient dave : List.of(daveLaptop, davePhone)) {
            dave.awaitState(ConnectionState.DISCONNECTED);
            assertThat(dave.errorCodes()).contains("4009");
            assertThat(dave.stateHistory()).doesNotContain(ConnectionState.RECONNECTING);
        }
        Sdk.ok(Sdk.sendToUser(sdk, "frank", "still-here", "{}"));
        awaitUserEvent(frank, "still-here");
        assertThat(frank.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(daveNotSignedIn.roundTrip()).isEmpty();
        assertThat(daveNotSignedIn.isClosed()).as("a presence member that never signed in stays").isFalse();
    }

    @Test
    void terminateConnectionsOfAUserWithoutConnectionsAnswers200() {
        Result result = Sdk.ok(Sdk.terminateUserConnections(sdk, "nobody-here"));

        assertThat(Json.parse(result.getMessage()).isObject()).isTrue();
    }

    // --- watchlist ---

    @Test
    void watchlistReportsEachWatchedUserOnlineAndOfflineOncePerUserNotPerSocket() {
        RawWebSocket watcher = raw();
        watcher.signin(herald.appKey(), herald.appSecret(), "{\"id\":\"wl-a\",\"watchlist\":[\"wl-b\",\"wl-c\"]}");
        List<JsonNode> first = List.of(watcher.next(), watcher.next());
        assertThat(names(first)).containsExactlyInAnyOrder("pusher:signin_success", "pusher_internal:watchlist_events");
        JsonNode initial = first.stream()
                .filter(f -> f.path("event").asText().equals("pusher_internal:watchlist_events")).findFirst().orElseThrow();
        assertThat(initial.has("channel")).as("no channel: %s", initial).isFalse();
        assertThat(watchlist(initial)).containsExactlyInAnyOrder("offline:wl-b", "offline:wl-c");

        RawWebSocket b1 = watchedUser("wl-b");
        assertThat(nextWatchlist(watcher)).containsExactly("online:wl-b");

        RawWebSocket b2 = watchedUser("wl-b");
        RawWebSocket c1 = watchedUser("wl-c");
        assertThat(nextWatchlist(watcher)).as("wl-b's second socket announces nothing").containsExactly("online:wl-c");

        b1.close();
        awaitSubscriptions("wl-probe", 2); // the server has handled b1's disconnect
        c1.close();
        assertThat(nextWatchlist(watcher)).as("wl-b is still online through b2").containsExactly("offline:wl-c");

        b2.close();
        assertThat(nextWatchlist(watcher)).containsExactly("offline:wl-b");
        watchedUser("wl-c");
        assertThat(nextWatchlist(watcher)).as("offline:wl-b was sent once").containsExactly("online:wl-c");
    }

    // --- helpers ---

    private JavaClient signedIn(String userId) {
        String userData = Json.write(Map.of("id", userId, "user_info", Map.of("name", "user " + userId)));
        JavaClient client = open.track(JavaClient.create(herald, herald.appKey(),
                Sdk.authorizer(sdk, userId, Map.of("name", "user " + userId)),
                Sdk.userAuthenticator(herald.appKey(), herald.appSecret(), userData)));
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        client.signIn(userId);
        return client;
    }

    /**
     * The presence auth pusher-js 7.4+ gets from an app for a signed-in user: over
     * {@code socket_id:channel} only (protocol §3.5). pusher-http-java's {@code authenticate} refuses a
     * presence channel without a user, so its {@code SignatureUtil} signs the string directly.
     */
    private static String authWithoutChannelData(RawWebSocket ws, String channel) {
        return herald.appKey() + ":" + SignatureUtil.sign(ws.socketId() + ":" + channel, herald.appSecret());
    }


    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }

    /** A signed-in socket of {@code userId}, also subscribed to the public channel wl-probe. */
    private RawWebSocket watchedUser(String userId) {
        RawWebSocket ws = raw();
        ws.subscribeAndAwait("wl-probe");
        ws.signinAndAwait(herald, "{\"id\":\"" + userId + "\"}");
        return ws;
    }

    private static PusherEvent awaitUserEvent(JavaClient client, String name) {
        await(name + " for " + client.pusher.user().userId()).atMost(JavaClient.WAIT)
                .until(() -> !client.userEvents(name).isEmpty());
        return client.userEvents(name).get(0);
    }

    private static Set<String> nextWatchlist(RawWebSocket watcher) {
        return watchlist(watcher.awaitEvent("pusher_internal:watchlist_events"));
    }

    /** The events of a watchlist frame flattened to {@code name:user_id}. */
    private static Set<String> watchlist(JsonNode frame) {
        Set<String> flat = new TreeSet<>();
        for (JsonNode event : Json.data(frame).path("events")) {
            for (JsonNode id : event.path("user_ids")) {
                flat.add(event.path("name").asText() + ":" + id.asText());
            }
        }
        return flat;
    }

    private static void awaitSubscriptions(String channel, int count) {
        await(channel + " has " + count + " subscriptions").atMost(JavaClient.WAIT).until(() ->
                Sdk.get(sdk, "/channels/" + channel, Map.of("info", "subscription_count"))
                        .path("subscription_count").asInt() == count);
    }

    private static List<String> userIds(String channel) {
        List<String> ids = new ArrayList<>();
        Sdk.get(sdk, "/channels/" + channel + "/users", Map.of()).path("users").forEach(u -> ids.add(u.path("id").asText()));
        return ids;
    }

    private static List<String> names(List<JsonNode> frames) {
        return frames.stream().map(f -> f.path("event").asText()).collect(Collectors.toList());
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
