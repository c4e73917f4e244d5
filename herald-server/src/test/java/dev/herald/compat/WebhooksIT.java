package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Validity;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks (docs/protocol.md §6, issue 4) posted to real HTTP receivers on loopback, each body checked with
 * pusher-http-java's {@code validateWebhookSignature}. The apps come from a YAML file, one per
 * scenario, with short timings: 1 s debounce, 100 ms batches, 30 s of retries.
 *
 * <p>"Nothing was sent" is proved with a later event as a clock: the webhook pipeline is one
 * ordered stream per target, and a debounced event scheduled later fires later, so when the clock
 * event has arrived, anything due before it has arrived too.
 */
class WebhooksIT {

    private static final Duration DEBOUNCE = Duration.ofMillis(1000);

    private static Path configDir;
    private static WebhookReceiver all;
    private static WebhookReceiver flaky;
    private static WebhookReceiver occupancy;
    private static WebhookReceiver presence;
    private static HeraldProcess herald;
    private static Pusher hooks;
    private static Pusher flakySdk;
    private static Pusher filtered;
    @RegisterExtension
    final OpenResources open = new OpenResources();
    private final Map<String, String> socketIds = new java.util.HashMap<>();

    @BeforeAll
    static void startServer() throws IOException {
        all = WebhookReceiver.start();
        flaky = WebhookReceiver.start().failFirst(2);
        occupancy = WebhookReceiver.start();
        presence = WebhookReceiver.start();
        String config = """
                apps:
                  - id: hooks-id
                    key: hooks-key
                    secret: hooks-secret
                    subscription_count: true
                    webhooks:
                      - url: %s
                  - id: flaky-id
                    key: flaky-key
                    secret: flaky-secret
                    webhooks:
                      - url: %s
                  - id: filtered-id
                    key: filtered-key
                    secret: filtered-secret
                    webhooks:
                      - url: %s
                        event_types: [channel_occupied, channel_vacated]
                      - url: %s
                        channel_prefix: presence-
                """.formatted(all.url(), flaky.url(), occupancy.url(), presence.url());
        configDir = Files.createTempDirectory("herald-webhooks-");
        Path file = Files.writeString(configDir.resolve("apps.yaml"), config);
        herald = HeraldProcess.start("webhooks", Map.of(
                "HERALD_CONFIG", file.toString(),
                "HERALD_WEBHOOK_DEBOUNCE_MS", Long.toString(DEBOUNCE.toMillis()),
                "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS", "100",
                "HERALD_WEBHOOK_RETRY_FOR_SECONDS", "30"));
        hooks = Sdk.of(herald, "hooks-id", "hooks-key", "hooks-secret");
        flakySdk = Sdk.of(herald, "flaky-id", "flaky-key", "flaky-secret");
        filtered = Sdk.of(herald, "filtered-id", "filtered-key", "filtered-secret");
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (herald != null) {
            herald.close();
        }
        for (WebhookReceiver receiver : new WebhookReceiver[] {all, flaky, occupancy, presence}) {
            if (receiver != null) {
                receiver.close();
            }
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
        all.awaitEvent("member_removed u1", e -> "presence-hooks".equals(e.path("channel").asText())
                && "member_removed".equals(e.path("name").asText()) && "u1".equals(e.path("user_id").asText()));
        all.awaitEvent("channel_vacated", "presence-hooks");
        all.awaitEvent("channel_vacated", "cache-hooks");

        assertThat(removed.path("user_id").asText()).isEqualTo("u2");
        List<String> room = all.summary("presence-hooks");
        assertThat(room.subList(0, 5)).containsExactly("channel_occupied", "member_added:u1", "member_added:u2",
                "client_event", "member_removed:u2");
        assertThat(room.subList(5, room.size())).containsExactlyInAnyOrder("member_removed:u1", "channel_vacated");
        JsonNode presenceEvent = all.awaitEvent("client_event", "presence-hooks");
        assertThat(presenceEvent.path("event").asText()).isEqualTo("client-ping");
        assertThat(presenceEvent.path("data").asText()).isEqualTo("{\"p\":1}");
        assertThat(presenceEvent.path("socket_id").asText()).isEqualTo(socketIds.get("u2"));
        assertThat(presenceEvent.path("user_id").asText()).isEqualTo("u2");
        JsonNode privateEvent = all.awaitEvent("client_event", "private-hooks");
        assertThat(privateEvent.path("event").asText()).isEqualTo("client-note");
        assertThat(privateEvent.path("socket_id").asText()).isEqualTo(socketIds.get("u2"));
        assertThat(privateEvent.has("user_id")).as("no user_id outside presence: %s", privateEvent).isFalse();
        assertThat(all.summary("cache-hooks")).containsSubsequence("channel_occupied", "channel_vacated")
                .contains("cache_miss", "subscription_count");
        assertThat(all.events()).filteredOn(e -> e.path("name").asText().equals("subscription_count"))
                .as("counts for non-presence channels only")
                .allSatisfy(e -> assertThat(e.path("channel").asText()).doesNotStartWith("presence-"))
                .anySatisfy(e -> {
                    assertThat(e.path("channel").asText()).isEqualTo("cache-hooks");
                    assertThat(e.path("subscription_count").asInt()).isEqualTo(1);
                });

        for (WebhookReceiver.Delivery delivery : all.deliveries()) {
            assertSignedFor(delivery, hooks, "hooks-key");
        }
    }

    @Test
    void aReloadWithinTheDebounceSendsNoVacatedOccupiedOrRemovedAddedPair() {
        String room = "presence-reload";
        RawWebSocket before = presenceMember("hooks-key", hooks, room, "reloader");
        RawWebSocket clock = raw("hooks-key");
        clock.subscribeAndAwait("clock-reload");
        all.awaitEvent("member_added reloader", e -> room.equals(e.path("channel").asText())
                && "member_added".equals(e.path("name").asText()));

        long left = System.nanoTime();
        before.close();
        RawWebSocket after = presenceMember("hooks-key", hooks, room, "reloader");
        Duration reload = Duration.ofNanos(System.nanoTime() - left);
        assertThat(reload).as("the reload itself must fit in the debounce for this test to mean anything")
                .isLessThan(DEBOUNCE);
        clock.close(); // its channel_vacated is due after anything the reload could have caused
        all.awaitEvent("channel_vacated", "clock-reload");

        assertThat(all.summary(room)).as("nothing but the first arrival").containsExactly("channel_occupied",
                "member_added:reloader");

        after.close();
        all.awaitEvent("channel_vacated", room);
        assertThat(all.summary(room)).containsExactly("channel_occupied", "member_added:reloader",
                "member_removed:reloader", "channel_vacated");
    }

    @Test
    void aReceiverThatFailsItsFirstAttemptsStillGetsEveryEventExactlyOnce() {
        RawWebSocket ws = raw("flaky-key");
        ws.subscribeAndAwait("flaky-1");
        ws.subscribeAndAwait("flaky-2");
        await("a first, failed attempt").atMost(WebhookReceiver.WAIT).until(() -> !flaky.deliveries().isEmpty());
        ws.subscribeAndAwait("flaky-3"); // a second batch, queued behind the failing one

        for (String channel : List.of("flaky-1", "flaky-2", "flaky-3")) {
            flaky.awaitEvent("channel_occupied", channel);
        }
        ws.subscribeAndAwait("flaky-4"); // delivered after everything above: nothing is sent twice
        flaky.awaitEvent("channel_occupied", "flaky-4");

        List<WebhookReceiver.Delivery> deliveries = flaky.deliveries();
        assertThat(deliveries.subList(0, 2)).as("the first two attempts failed")
                .allSatisfy(d -> assertThat(d.status()).isEqualTo(500));
        assertThat(deliveries.get(0).body()).as("a retry sends the same signed batch").isEqualTo(deliveries.get(1).body())
                .isEqualTo(deliveries.get(2).body());
        assertThat(deliveries.subList(2, deliveries.size())).allSatisfy(d -> assertThat(d.accepted()).isTrue());
        List<String> occupied = flaky.events().stream().filter(e -> e.path("name").asText().equals("channel_occupied"))
                .map(e -> e.path("name").asText() + " " + e.path("channel").asText()).collect(Collectors.toList());
        assertThat(occupied).containsExactly("channel_occupied flaky-1", "channel_occupied flaky-2",
                "channel_occupied flaky-3", "channel_occupied flaky-4");
        Set<String> bodies = new HashSet<>();
        flaky.accepted().forEach(d -> assertThat(bodies.add(d.body())).as("accepted once: %s", d.body()).isTrue());
        deliveries.forEach(d -> assertSignedFor(d, flakySdk, "flaky-key"));

        Map<String, String> app = Map.of("app", "flaky-id");
        await("the last delivery is counted").atMost(WebhookReceiver.WAIT).until(() ->
                Ops.scrape(herald).value("herald_webhooks_sent_total", app) == flaky.accepted().size());
        Ops.Metrics metrics = Ops.scrape(herald);
        assertThat(metrics.value("herald_webhook_attempts_failed_total", app)).isEqualTo(2.0);
        assertThat(metrics.value("herald_webhooks_retried_total", app)).isEqualTo(2.0);
        assertThat(metrics.value("herald_webhooks_sent_total", app)).isEqualTo(flaky.accepted().size());
        assertThat(metrics.sum("herald_webhooks_dropped_total", app)).as("dropped for any reason").isZero();
    }

    @Test
    void eachTargetGetsOnlyTheEventsItsFiltersSelectInABodySignedOnItsOwn() {
        RawWebSocket publicMember = raw("filtered-key");
        publicMember.subscribeAndAwait("public-f");
        presenceMember("filtered-key", filtered, "presence-f", "fu");
        // the clock: both targets want the occupation of presence-f2
        presenceMember("filtered-key", filtered, "presence-f2", "fv");
        occupancy.awaitEvent("channel_occupied", "presence-f2");
        presence.awaitEvent("member_added", "presence-f2");

        assertThat(summaries(occupancy)).containsExactlyInAnyOrder("channel_occupied public-f",
                "channel_occupied presence-f", "channel_occupied presence-f2");
        assertThat(summaries(presence)).containsExactlyInAnyOrder("channel_occupied presence-f",
                "member_added:fu presence-f", "channel_occupied presence-f2", "member_added:fv presence-f2");
        occupancy.deliveries().forEach(d -> assertSignedFor(d, filtered, "filtered-key"));
        presence.deliveries().forEach(d -> assertSignedFor(d, filtered, "filtered-key"));
    }

    @Test
    void aReceiverThatNeverRecoversCostsABoundedOutboxCountedInTheMetrics() {
        int outboxLimit = 5;
        int batches = 30;
        try (WebhookReceiver dead = WebhookReceiver.start().failAlways()) {
            HeraldProcess server = HeraldProcess.start("webhooks-outbox", Map.of(
                    "HERALD_APP_WEBHOOK_URL", dead.url().toString(),
                    "HERALD_WEBHOOK_OUTBOX_LIMIT", Integer.toString(outboxLimit),
                    "HERALD_WEBHOOK_BATCH_MAX_EVENTS", "1",
                    "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS", "100",
                    "HERALD_WEBHOOK_RETRY_FOR_SECONDS", "300"));
            try (RawWebSocket ws = RawWebSocket.connect(server)) {
                for (int i = 0; i < batches; i++) {
                    ws.subscribe("outbox-" + i); // a channel_occupied each, each its own batch
                }
                ws.awaitEvent("pusher_internal:subscription_succeeded", "outbox-" + (batches - 1));
                Map<String, String> full = Map.of("app", server.appId(), "reason", "outbox_full");

                // at least one batch per channel_occupied (subscription_count events may add more)
                await("the oldest batches are dropped").atMost(WebhookReceiver.WAIT).until(() ->
                        Ops.scrape(server).valueOrZero("herald_webhooks_dropped_total", full) >= batches - outboxLimit);

                // the batch in flight fails on its own time: wait for its answer, not for the drops
                await("the first attempt fails").atMost(WebhookReceiver.WAIT).until(() -> Ops.scrape(server)
                        .valueOrZero("herald_webhook_attempts_failed_total", Map.of("app", server.appId())) >= 1.0);
                Ops.Metrics metrics = Ops.scrape(server);
                assertThat(metrics.value("herald_webhook_queue_depth", Map.of())).isBetween(1.0, (double) outboxLimit);
                assertThat(metrics.value("herald_webhooks_dropped_total", full)).isGreaterThanOrEqualTo(batches - outboxLimit);
                assertThat(metrics.valueOrZero("herald_webhooks_sent_total", Map.of("app", server.appId()))).isZero();
                assertThat(metrics.value("herald_webhook_attempts_failed_total", Map.of("app", server.appId())))
                        .isGreaterThanOrEqualTo(1.0);
                assertThat(dead.deliveries()).isNotEmpty()
                        .allSatisfy(d -> assertSignedFor(d, Sdk.of(server), server.appKey()));
            } finally {
                server.kill(); // a graceful stop would wait for the dead receiver
            }
        }
    }

    // --- helpers ---

    private static void assertSignedFor(WebhookReceiver.Delivery delivery, Pusher sdk, String key) {
        assertThat(delivery.contentType()).as("Content-Type").isEqualTo("application/json");
        assertThat(delivery.key()).as("X-Pusher-Key").isEqualTo(key);
        assertThat(sdk.validateWebhookSignature(delivery.key(), delivery.signature(), delivery.body()))
                .as("signature of %s", delivery.body()).isEqualTo(Validity.VALID);
        String tampered = delivery.body().replaceFirst("\"events\"", "\"events\" ");
        assertThat(sdk.validateWebhookSignature(delivery.key(), delivery.signature(), tampered))
                .as("a tampered body").isEqualTo(Validity.INVALID);
        JsonNode body = delivery.json();
        assertThat(body.path("time_ms").isIntegralNumber()).as("time_ms of %s", body).isTrue();
        assertThat(body.path("events").isArray() && body.path("events").size() > 0).as("events of %s", body).isTrue();
    }

    private static List<String> summaries(WebhookReceiver receiver) {
        return receiver.events().stream().map(e -> WebhookReceiver.summarize(e) + " " + e.path("channel").asText())
                .collect(Collectors.toList());
    }

    private JavaClient java(String key, Pusher sdk, String userId) {
        JavaClient client = open.track(JavaClient.create(herald, key, Sdk.authorizer(sdk, userId, Map.of("name", userId))));
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        socketIds.put(userId, client.socketId());
        return client;
    }

    private RawWebSocket presenceMember(String key, Pusher sdk, String channel, String userId) {
        RawWebSocket ws = raw(key);
        ws.subscribePresence(sdk, channel, new PresenceUser(userId));
        ws.awaitEvent("pusher_internal:subscription_succeeded", channel);
        return ws;
    }

    private RawWebSocket raw(String key) {
        RawWebSocket ws = open.track(RawWebSocket.open(herald.ws(key, "protocol=7&client=js&version=8.6.0&flash=false")));
        ws.awaitConnectionEstablished();
        return ws;
    }
}
