package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.util.List;
import java.util.Map;
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
 * example there, below) and the two API calls go through the SDK's generic signed {@code post}. The
 * server's rules (refusals, presence from the sign-in, watchlists) are in-process in {@code
 * UsersTest} and {@code HttpApiTest$Users}; the Java client has no watchlist support.
 */
class UserAuthenticationIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

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
        String userData =
                "{\"id\":\"12345\",\"user_info\":{\"name\":\"Mr. Channels\"},\"watchlist\":[\"2\",\"3\"]}";

        String auth =
                Sdk.userAuth("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", userData);

        assertThat(auth)
                .isEqualTo(
                        "278d425bdf160c739803:e630d6ef88d2dadf1902cf47ea191bd047bda28fe137bb70dee13a445ce5646f");
    }

    @Test
    void deliversEventsSentToAUserToEverySocketOfThatUserAndNoOtherSocket() {
        JavaClient aliceLaptop = signedIn("alice");
        JavaClient alicePhone = signedIn("alice");
        JavaClient bob = signedIn("bob");
        JavaClient anonymous = open.track(JavaClient.connected(herald, "anon"));
        JavaClient.Recorder anonymousNews = anonymous.subscribe("user-news");

        Results.ok(ServerSdk.sendToUser(sdk, "alice", "private-note", "{\"text\":\"hi alice\"}"));

        for (JavaClient alice : List.of(aliceLaptop, alicePhone)) {
            PusherEvent note = awaitUserEvent(alice, "private-note");
            assertThat(note.getData()).isEqualTo("{\"text\":\"hi alice\"}");
            assertThat(note.getChannelName()).isEqualTo("#server-to-user-alice");
        }
        Results.ok(ServerSdk.sendToUser(sdk, "bob", "user-fence", "{}"));
        awaitUserEvent(bob, "user-fence");
        assertThat(bob.userEvents("private-note")).as("bob gets nothing of alice's").isEmpty();
        anonymousNews.fence(sdk);
        assertThat(anonymous.userEvents).isEmpty();
        assertThat(anonymousNews.events("private-note")).isEmpty();
        assertThat(aliceLaptop.userEvents("private-note"))
                .as("delivered once per socket")
                .hasSize(1);
        assertThat(aliceLaptop.errors).isEmpty();
    }

    @Test
    void javaClientWithAForgedSigninGets4009AndDoesNotReconnect() {
        String userData = "{\"id\":\"mallory\"}";
        JavaClient forger =
                open.track(
                        JavaClient.create(
                                herald,
                                herald.appKey(),
                                null,
                                Sdk.userAuthenticator(
                                        herald.appKey(), "not-the-secret", userData)));
        forger.connect();
        forger.awaitState(ConnectionState.CONNECTED);

        forger.pusher.signin();

        await("error 4009")
                .atMost(JavaClient.WAIT)
                .until(() -> forger.errorCodes().contains("4009"));
        forger.awaitState(ConnectionState.DISCONNECTED);
        assertThat(forger.stateHistory())
                .as("closed for good")
                .doesNotContain(ConnectionState.RECONNECTING)
                .containsOnlyOnce(ConnectionState.CONNECTED);
        assertThat(forger.pusher.user().userId()).isNull();
    }

    // --- presence from the sign-in ---

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

        Result result = Results.ok(ServerSdk.terminateUserConnections(sdk, "dave"));

        assertThat(Json.parse(result.getMessage()).isObject())
                .as("body %s", result.getMessage())
                .isTrue();
        JsonNode error = daveRaw.awaitError();
        assertThat(error.path("code").asInt()).isEqualTo(4009);
        assertThat(error.path("message").asText()).isEqualTo("You got disconnected by the app.");
        assertThat(daveRaw.awaitClose().code()).isEqualTo(4009);
        for (JavaClient dave : List.of(daveLaptop, davePhone)) {
            dave.awaitState(ConnectionState.DISCONNECTED);
            assertThat(dave.errorCodes()).contains("4009");
            assertThat(dave.stateHistory()).doesNotContain(ConnectionState.RECONNECTING);
        }
        Results.ok(ServerSdk.sendToUser(sdk, "frank", "still-here", "{}"));
        awaitUserEvent(frank, "still-here");
        assertThat(frank.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(daveNotSignedIn.roundTrip()).isEmpty();
        assertThat(daveNotSignedIn.isClosed())
                .as("a presence member that never signed in stays")
                .isFalse();
    }

    // --- watchlist ---

    // --- helpers ---

    private JavaClient signedIn(String userId) {
        String userData =
                Json.write(Map.of("id", userId, "user_info", Map.of("name", "user " + userId)));
        JavaClient client =
                open.track(
                        JavaClient.create(
                                herald,
                                herald.appKey(),
                                Sdk.authorizer(sdk, userId, Map.of("name", "user " + userId)),
                                Sdk.userAuthenticator(
                                        herald.appKey(), herald.appSecret(), userData)));
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        client.signIn(userId);
        return client;
    }

    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }

    private static PusherEvent awaitUserEvent(JavaClient client, String name) {
        await(name + " for " + client.pusher.user().userId())
                .atMost(JavaClient.WAIT)
                .until(() -> !client.userEvents(name).isEmpty());
        return client.userEvents(name).get(0);
    }
}
