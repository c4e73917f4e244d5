package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Validity;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks (docs/protocol.md §6) posted to a real HTTP receiver on loopback, each body checked with
 * pusher-http-java's {@code validateWebhookSignature}: every event type raised by
 * pusher-java-client and raw sockets. The app comes from a YAML file, with short timings: 1 s
 * debounce, 100 ms batches, 30 s of retries. The debounce, batching, filters, retries and the
 * outbox bound are in-process: {@code WebhookDispatcherTest} and {@code SessionWebhooksTest}.
 */
class WebhooksIT {

    private static final Duration DEBOUNCE = Duration.ofMillis(1000);

    private static Path configDir;
    private static WebhookReceiver all;
    private static HeraldProcess herald;
    private static Pusher hooks;
    @RegisterExtension final OpenResources open = new OpenResources();
    private final Map<String, String> socketIds = new HashMap<>();

    @BeforeAll
    static void startServer() throws IOException {
        all = WebhookReceiver.start();
        String config =
                """
                apps:
                  - id: hooks-id
                    key: hooks-key
                    secret: hooks-secret
                    subscription_count: true
                    webhooks:
                      - url: %s
                """
                        .formatted(all.url());
        configDir = Files.createTempDirectory("herald-webhooks-");
        Path file = Files.writeString(configDir.resolve("apps.yaml"), config);
        herald =
                HeraldProcess.start(
                        "webhooks",
                        Map.of(
                                "HERALD_CONFIG",
                                file.toString(),
                                "HERALD_WEBHOOK_DEBOUNCE_MS",
                                Long.toString(DEBOUNCE.toMillis()),
                                "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS",
                                "100",
                                "HERALD_WEBHOOK_RETRY_FOR_SECONDS",
                                "30"));
        hooks = Sdk.of(herald, "hooks-id", "hooks-key", "hooks-secret");
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (herald != null) {
            herald.close();
        }
        if (all != null) {
            all.close();
        }
        if (configDir != null) {
            Files.deleteIfExists(configDir.resolve("apps.yaml"));
            Files.deleteIfExists(configDir);
        }
    }

    @Test
    void deliversEveryEventTypeAsSignedJsonThatPusherHttpJavaValidates() {
        JavaClient first = java("hooks-key", hooks, "u1");
        JavaClient.Recorder firstRoom = first.subscribePresence("presence-hooks");
        JavaClient second = java("hooks-key", hooks, "u2");
        second.subscribePresence("presence-hooks");
        first.subscribePrivate("private-hooks");
        second.subscribePrivate("private-hooks");
        second.presenceChannel("presence-hooks").trigger("client-ping", "{\"p\":1}");
        second.privateChannel("private-hooks").trigger("client-note", "{\"n\":2}");
        RawWebSocket reader = raw("hooks-key");
        reader.subscribe("cache-hooks");
        reader.awaitEvent("pusher:cache_miss", "cache-hooks");
        firstRoom.awaitEvent("client-ping");

        second.close();
        JsonNode removed = all.awaitEvent("member_removed", "presence-hooks");
        first.close();
        reader.close();
        all.awaitEvent(
                "member_removed u1",
                e ->
                        "presence-hooks".equals(e.path("channel").asText())
                                && "member_removed".equals(e.path("name").asText())
                                && "u1".equals(e.path("user_id").asText()));
        all.awaitEvent("channel_vacated", "presence-hooks");
        all.awaitEvent("channel_vacated", "cache-hooks");

        assertThat(removed.path("user_id").asText()).isEqualTo("u2");
        List<String> room = all.summary("presence-hooks");
        assertThat(room.subList(0, 5))
                .containsExactly(
                        "channel_occupied",
                        "member_added:u1",
                        "member_added:u2",
                        "client_event",
                        "member_removed:u2");
        assertThat(room.subList(5, room.size()))
                .containsExactlyInAnyOrder("member_removed:u1", "channel_vacated");
        JsonNode presenceEvent = all.awaitEvent("client_event", "presence-hooks");
        assertThat(presenceEvent.path("event").asText()).isEqualTo("client-ping");
        assertThat(presenceEvent.path("data").asText()).isEqualTo("{\"p\":1}");
        assertThat(presenceEvent.path("socket_id").asText()).isEqualTo(socketIds.get("u2"));
        assertThat(presenceEvent.path("user_id").asText()).isEqualTo("u2");
        JsonNode privateEvent = all.awaitEvent("client_event", "private-hooks");
        assertThat(privateEvent.path("event").asText()).isEqualTo("client-note");
        assertThat(privateEvent.path("socket_id").asText()).isEqualTo(socketIds.get("u2"));
        assertThat(privateEvent.has("user_id"))
                .as("no user_id outside presence: %s", privateEvent)
                .isFalse();
        assertThat(all.summary("cache-hooks"))
                .containsSubsequence("channel_occupied", "channel_vacated")
                .contains("cache_miss", "subscription_count");
        assertThat(all.events())
                .filteredOn(e -> e.path("name").asText().equals("subscription_count"))
                .as("counts for non-presence channels only")
                .allSatisfy(
                        e -> assertThat(e.path("channel").asText()).doesNotStartWith("presence-"))
                .anySatisfy(
                        e -> {
                            assertThat(e.path("channel").asText()).isEqualTo("cache-hooks");
                            assertThat(e.path("subscription_count").asInt()).isEqualTo(1);
                        });

        for (WebhookReceiver.Delivery delivery : all.deliveries()) {
            assertSignedFor(delivery, hooks, "hooks-key");
        }
    }

    // --- helpers ---

    private static void assertSignedFor(WebhookReceiver.Delivery delivery, Pusher sdk, String key) {
        assertThat(delivery.contentType()).as("Content-Type").isEqualTo("application/json");
        assertThat(delivery.key()).as("X-Pusher-Key").isEqualTo(key);
        assertThat(
                        sdk.validateWebhookSignature(
                                delivery.key(), delivery.signature(), delivery.body()))
                .as("signature of %s", delivery.body())
                .isEqualTo(Validity.VALID);
        String tampered = delivery.body().replaceFirst("\"events\"", "\"events\" ");
        assertThat(sdk.validateWebhookSignature(delivery.key(), delivery.signature(), tampered))
                .as("a tampered body")
                .isEqualTo(Validity.INVALID);
        JsonNode body = delivery.json();
        assertThat(body.path("time_ms").isIntegralNumber()).as("time_ms of %s", body).isTrue();
        assertThat(body.path("events").isArray() && body.path("events").size() > 0)
                .as("events of %s", body)
                .isTrue();
    }

    private JavaClient java(String key, Pusher sdk, String userId) {
        JavaClient client =
                open.track(
                        JavaClient.create(
                                herald, key, Sdk.authorizer(sdk, userId, Map.of("name", userId))));
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        socketIds.put(userId, client.socketId());
        return client;
    }

    private RawWebSocket raw(String key) {
        RawWebSocket ws =
                open.track(
                        RawWebSocket.open(
                                herald.ws(key, "protocol=7&client=js&version=8.6.0&flash=false")));
        ws.awaitConnectionEstablished();
        return ws;
    }
}
