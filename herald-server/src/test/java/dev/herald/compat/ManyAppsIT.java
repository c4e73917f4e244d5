package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many apps from a YAML file (HERALD_CONFIG): each with its own credentials, enabled flag, feature
 * flags (client events, user authentication, watchlist, subscription counts) and limits
 * (connections, event size), driven by pusher-java-client and pusher-http-java configured per app.
 * Error codes are those of docs/protocol.md §2.5 (4003 disabled, 4004 over quota). Each app's
 * limits and flags, refusal by refusal, are in-process in {@code LimitsTest}, {@code UsersTest},
 * {@code ProtocolTest} and {@code HttpApiTest$PerApp}; this class proves the file reaches them
 * through the real command line.
 */
class ManyAppsIT {

    private static final String CONFIG =
            """
            apps:
              - id: alpha-id
                key: alpha-key
                secret: alpha-secret
                client_events: true
                max_event_bytes: 100
                watchlist: false
                subscription_count: true
              - id: beta-id
                key: beta-key
                secret: beta-secret
                client_events: false
                user_authentication: false
              - id: gamma-id
                key: gamma-key
                secret: gamma-secret
                enabled: false
              - id: delta-id
                key: delta-key
                secret: delta-secret
                max_connections: 2
            """;

    private static Path configDir;
    private static HeraldProcess herald;
    private static Pusher alpha;
    private static Pusher beta;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() throws IOException {
        configDir = Files.createTempDirectory("herald-apps-");
        Path config = Files.writeString(configDir.resolve("apps.yaml"), CONFIG);
        herald = HeraldProcess.start("many-apps", Map.of("HERALD_CONFIG", config.toString()));
        alpha = Sdk.of(herald, "alpha-id", "alpha-key", "alpha-secret");
        beta = Sdk.of(herald, "beta-id", "beta-key", "beta-secret");
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (herald != null) {
            herald.close();
        }
        if (configDir != null) {
            Files.deleteIfExists(configDir.resolve("apps.yaml"));
            Files.deleteIfExists(configDir);
        }
    }

    @Test
    void eachAppDeliversItsOwnEventsOnlyToItsOwnClients() {
        JavaClient alphaClient = java("alpha-key", alpha);
        JavaClient betaClient = java("beta-key", beta);
        JavaClient.Recorder alphaNews = alphaClient.subscribe("news");
        JavaClient.Recorder betaNews = betaClient.subscribe("news");
        JavaClient.Recorder alphaPrivate = alphaClient.subscribePrivate("private-desk");
        JavaClient.Recorder betaPrivate = betaClient.subscribePrivate("private-desk");

        Results.ok(
                alpha.trigger(
                        List.of("news", "private-desk"), "for-alpha", Map.of("app", "alpha")));

        assertThat(alphaNews.awaitEvent("for-alpha").getData()).isEqualTo("{\"app\":\"alpha\"}");
        alphaPrivate.awaitEvent("for-alpha");
        betaNews.fence(beta);
        betaPrivate.fence(beta);
        assertThat(betaNews.events("for-alpha")).isEmpty();
        assertThat(betaPrivate.events("for-alpha")).isEmpty();
        assertThat(
                        ServerSdk.get(beta, "/channels/news", Map.of("info", "subscription_count"))
                                .path("subscription_count")
                                .asInt())
                .isEqualTo(1);
    }

    @Test
    void refusesConnectionsToADisabledAppWith4003AndItsApiWith403() {
        RawWebSocket ws = open("gamma-key");
        JsonNode first = ws.next();
        assertThat(first.path("event").asText()).isEqualTo("pusher:error");
        assertThat(Json.data(first).path("code").asInt()).isEqualTo(4003);
        assertThat(ws.awaitClose().code()).isEqualTo(4003);

        JavaClient javaClient = open.track(JavaClient.create(herald, "gamma-key", null));
        javaClient.connect();
        javaClient.awaitState(ConnectionState.DISCONNECTED);
        await("error 4003")
                .atMost(JavaClient.WAIT)
                .until(() -> javaClient.errorCodes().contains("4003"));
        assertThat(javaClient.stateHistory())
                .doesNotContain(ConnectionState.CONNECTED, ConnectionState.RECONNECTING);

        Result trigger =
                Sdk.of(herald, "gamma-id", "gamma-key", "gamma-secret")
                        .trigger("news", "e", Map.of());
        assertThat(trigger.getHttpStatus()).as("%s", trigger.getMessage()).isEqualTo(403);
        assertThat(trigger.getStatus()).isEqualTo(Result.Status.MESSAGE_QUOTA_EXCEEDED);
    }

    @Test
    void refusesTheAuthKeyOfAnotherAppOnThisAppsPathWith403() {
        Pusher crossed = Sdk.of(herald, "alpha-id", "beta-key", "beta-secret");

        Result trigger = crossed.trigger("news", "crossed", Map.of());
        Result query = crossed.get("/channels");

        assertThat(trigger.getHttpStatus()).as("%s", trigger.getMessage()).isEqualTo(403);
        assertThat(query.getHttpStatus()).as("%s", query.getMessage()).isEqualTo(403);
        Result wrongSecret =
                Sdk.of(herald, "alpha-id", "alpha-key", "beta-secret")
                        .trigger("news", "e", Map.of());
        assertThat(wrongSecret.getHttpStatus())
                .as("the app's own key with a wrong secret")
                .isEqualTo(401);
    }

    @Test
    void appliesEachAppsWatchlistAndSubscriptionCountFlags() {
        String count = "pusher_internal:subscription_count";
        RawWebSocket betaWs = raw("beta-key");
        betaWs.subscribeAndAwait("flags");
        RawWebSocket alphaWs = raw("alpha-key");
        alphaWs.signin(
                "alpha-key", "alpha-secret", "{\"id\":\"watcher\",\"watchlist\":[\"someone\"]}");
        alphaWs.subscribe("flags");

        List<JsonNode> beforeCount = alphaWs.framesBefore(count);

        assertThat(beforeCount)
                .extracting(f -> f.path("event").asText())
                .as("alpha has its watchlist off")
                .containsExactly("pusher:signin_success", "pusher_internal:subscription_succeeded");
        // alpha's count was due after beta's would have been: beta subscribed first
        assertThat(betaWs.fence(beta, "flags"))
                .as("beta has subscription counts off")
                .noneMatch(f -> count.equals(f.path("event").asText()));
    }

    @Test
    void doesNotServeTheEnvDefaultAppWhenAppsComeFromAFile() {
        RawWebSocket ws = open(HeraldProcess.APP_KEY);

        JsonNode first = ws.next();

        assertThat(Json.data(first).path("code").asInt()).as("%s", first).isEqualTo(4001);
        assertThat(ws.awaitClose().code()).isEqualTo(4001);
    }

    private JavaClient java(String key, Pusher sdk) {
        JavaClient client =
                open.track(JavaClient.create(herald, key, Sdk.authorizer(sdk, "u", Map.of())));
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        return client;
    }

    /** A connection to that key that is expected to be established. */
    private RawWebSocket raw(String key) {
        RawWebSocket ws = open(key);
        ws.awaitConnectionEstablished();
        return ws;
    }

    /** A connection to that key; nothing read yet. */
    private RawWebSocket open(String key) {
        return open.track(
                RawWebSocket.open(
                        herald.ws(key, "protocol=7&client=js&version=8.6.0&flash=false")));
    }
}
