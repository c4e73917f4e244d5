package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authorized connections (docs/protocol.md §4.2) with HERALD_APP_AUTHORIZED_CONNECTIONS=true and a
 * 2 s timeout: a connection that neither signs in nor joins a private or presence channel in time
 * is closed with 4009; one that did either stays. pusher-java-client shows what an app sees; raw
 * frames show the exact error and close codes.
 */
class AuthorizedConnectionsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "authorized-connections",
                        Map.of(
                                "HERALD_APP_AUTHORIZED_CONNECTIONS",
                                "true",
                                "HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT",
                                Long.toString(TIMEOUT.toSeconds())));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void closesConnectionsThatDidNotAuthorizeInTimeWith4009AndKeepsTheOthers() {
        // the connections that must stay are opened first: by the time the others are closed,
        // their own deadline has passed too
        RawWebSocket signedIn = raw();
        signedIn.signinAndAwait(herald, "{\"id\":\"kept\"}");
        RawWebSocket privateMember = raw();
        privateMember.subscribeSigned(sdk, "private-kept");
        RawWebSocket presenceMember = raw();
        presenceMember.subscribePresence(sdk, "presence-kept", new PresenceUser("p"));
        presenceMember.awaitEvent("pusher_internal:subscription_succeeded", "presence-kept");
        JavaClient javaPrivate = open.track(JavaClient.connected(herald, "java"));
        javaPrivate.subscribePrivate("private-java-kept");

        long opened = System.nanoTime();
        RawWebSocket idle = raw();
        RawWebSocket publicOnly = raw();
        publicOnly.subscribeAndAwait("public-only");
        RawWebSocket refused = raw();
        refused.subscribe("private-refused", herald.appKey() + ":" + "00".repeat(32), null);
        JavaClient javaIdle = open.track(JavaClient.connected(herald, "idle"));

        for (RawWebSocket ws : List.of(idle, publicOnly, refused)) {
            JsonNode error =
                    ws.await(
                            "pusher:error 4009",
                            f ->
                                    "pusher:error".equals(f.path("event").asText())
                                            && Json.data(f).path("code").asInt() == 4009);
            assertThat(Json.data(error).path("message").asText()).isNotBlank();
            assertThat(ws.awaitClose().code()).isEqualTo(4009);
        }
        long elapsed = System.nanoTime() - opened;
        assertThat(Duration.ofNanos(elapsed))
                .as("not before the timeout")
                .isGreaterThanOrEqualTo(TIMEOUT.minusMillis(100));
        javaIdle.awaitState(ConnectionState.DISCONNECTED);
        assertThat(javaIdle.errorCodes()).contains("4009");
        assertThat(javaIdle.stateHistory()).doesNotContain(ConnectionState.RECONNECTING);

        for (RawWebSocket ws : List.of(signedIn, privateMember, presenceMember)) {
            ws.roundTrip();
            assertThat(ws.isClosed()).isFalse();
        }
        assertThat(javaPrivate.pusher.getConnection().getState())
                .isEqualTo(ConnectionState.CONNECTED);
        assertThat(javaPrivate.stateHistory())
                .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
        assertThat(javaPrivate.errors).isEmpty();
    }

    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }
}
