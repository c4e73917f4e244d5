package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.channel.PusherEvent;
import com.pusher.rest.Pusher;
import com.pusher.rest.SignatureUtil;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cache channels (docs/protocol.md §3.7): the last event published over HTTP is replayed to each new
 * subscriber right after {@code subscription_succeeded}, or {@code pusher:cache_miss} is sent;
 * {@code GET /channels/C?info=cache} reports it. Events are published with pusher-http-java and
 * received with pusher-java-client (which hands {@code pusher:cache_miss} to the channel's
 * listeners); the frame order is checked with raw frames.
 */
class CacheChannelsIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("cache");
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cache-news", "private-cache-news", "presence-cache-news", "private-encrypted-cache-news"})
    void replaysTheLastHttpEventRightAfterSubscriptionSucceeded(String channel) {
        publish(channel, "older", "{\"n\":1}");
        publish(channel, "latest", "{\"n\":2}");
        RawWebSocket ws = raw(herald);

        subscribe(ws, channel);

        JsonNode succeeded = ws.next();
        assertThat(succeeded.path("event").asText()).as("%s", succeeded).isEqualTo("pusher_internal:subscription_succeeded");
        JsonNode replayed = ws.next();
        assertThat(replayed.path("event").asText()).as("the frame right after success: %s", replayed).isEqualTo("latest");
        assertThat(replayed.path("channel").asText()).isEqualTo(channel);
        assertThat(replayed.path("data").asText()).isEqualTo("{\"n\":2}");
        assertThat(ws.roundTrip()).as("only the last event is replayed").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cache-empty", "private-cache-empty", "presence-cache-empty", "private-encrypted-cache-empty"})
    void sendsCacheMissRightAfterSubscriptionSucceededWhenNothingWasPublished(String channel) {
        RawWebSocket ws = raw(herald);

        subscribe(ws, channel);

        assertThat(ws.next().path("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
        JsonNode miss = ws.next();
        assertThat(miss.path("event").asText()).as("%s", miss).isEqualTo("pusher:cache_miss");
        assertThat(miss.path("channel").asText()).isEqualTo(channel);
    }

    @Test
    void javaClientReceivesTheCachedEventOrACacheMiss() {
        JavaClient client = open.track(JavaClient.connected(herald, "reader"));
        Sdk.ok(sdk.trigger("cache-java", "state", Map.of("on", true)));

        JavaClient.Recorder cached = client.subscribe("cache-java");
        JavaClient.Recorder empty = client.subscribe("cache-java-empty");

        PusherEvent state = cached.awaitEvent("state");
        assertThat(state.getData()).isEqualTo("{\"on\":true}");
        assertThat(state.getChannelName()).isEqualTo("cache-java");
        assertThat(empty.awaitEvent("pusher:cache_miss").getChannelName()).isEqualTo("cache-java-empty");
        cached.fence(sdk);
        assertThat(cached.events("pusher:cache_miss")).isEmpty();
    }

    @Test
    void reportsTheCachedEventDataAndTtlOverHttp() {
        Sdk.ok(sdk.trigger("cache-info", "first", Map.of("v", 1)));
        Sdk.ok(sdk.trigger("cache-info", "second", Map.of("v", 2)));

        JsonNode cache = Sdk.get(sdk, "/channels/cache-info", Map.of("info", "cache")).path("cache");

        assertThat(cache.path("event").asText()).as("%s", cache).isEqualTo("second");
        assertThat(cache.path("data").asText()).isEqualTo("{\"v\":2}");
        assertThat(cache.path("ttl").asLong()).isBetween(1L, 1800L);
    }

    @Test
    void doesNotCacheClientEvents() {
        String channel = "private-cache-chat";
        Sdk.ok(sdk.trigger(channel, "from-server", Map.of("s", 1)));
        RawWebSocket sender = raw(herald);
        sender.subscribeSigned(sdk, channel);
        sender.awaitEvent("from-server", channel);
        RawWebSocket receiver = raw(herald);
        receiver.subscribeSigned(sdk, channel);
        receiver.awaitEvent("from-server", channel);

        sender.trigger(channel, "client-typing", Json.parse("{\"c\":1}"));
        receiver.awaitEvent("client-typing", channel);
        RawWebSocket late = raw(herald);
        late.subscribeSigned(sdk, channel);

        JsonNode replayed = late.next();
        assertThat(replayed.path("event").asText()).as("%s", replayed).isEqualTo("from-server");
        assertThat(Sdk.get(sdk, "/channels/" + channel, Map.of("info", "cache")).path("cache").path("event").asText())
                .isEqualTo("from-server");
    }

    /** A TTL of 2 s rather than 1: on a loaded machine the first check can take most of a second. */
    @Test
    void forgetsTheCachedEventAfterTheTtl() {
        try (HeraldProcess shortLived = HeraldProcess.start("cache-ttl", Map.of("HERALD_CACHE_TTL", "2"))) {
            Pusher shortSdk = Sdk.of(shortLived);
            Sdk.ok(shortSdk.trigger("cache-brief", "soon-gone", Map.of("x", 1)));
            JsonNode cache = Sdk.get(shortSdk, "/channels/cache-brief", Map.of("info", "cache")).path("cache");
            assertThat(cache.path("event").asText()).isEqualTo("soon-gone");
            assertThat(cache.path("ttl").asLong()).isBetween(0L, 2L);

            await("the cached event expires").atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Sdk.get(shortSdk, "/channels/cache-brief", Map.of("info", "cache")).path("cache")
                            .path("event").isMissingNode());
            try (RawWebSocket ws = RawWebSocket.connect(shortLived)) {
                ws.subscribe("cache-brief");

                assertThat(ws.next().path("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
                assertThat(ws.next().path("event").asText()).isEqualTo("pusher:cache_miss");
            }
        }
    }

    /**
     * pusher-http-java's {@code trigger}, or for an encrypted channel (which it would encrypt with a
     * master key this test has no use for) its generic signed {@code post} with the data as given.
     */
    private static void publish(String channel, String event, String data) {
        if (channel.startsWith("private-encrypted-")) {
            Sdk.ok(sdk.post("/events", Json.write(Map.of("name", event, "channels", List.of(channel), "data", data))));
        } else {
            Sdk.ok(sdk.trigger(channel, event, Json.MAPPER.convertValue(Json.parse(data), Map.class)));
        }
    }

    private void subscribe(RawWebSocket ws, String channel) {
        if (channel.startsWith("private-encrypted-")) {
            // signed like a private channel; this SDK has no master key, so SignatureUtil signs it
            ws.subscribe(channel, herald.appKey() + ":" + SignatureUtil.sign(ws.socketId() + ":" + channel,
                    herald.appSecret()), null);
        } else if (channel.startsWith("private-")) {
            ws.subscribe(channel, Json.parse(sdk.authenticate(ws.socketId(), channel)).path("auth").asText(), null);
        } else if (channel.startsWith("presence-")) {
            ws.subscribePresence(sdk, channel, new PresenceUser("reader"));
        } else {
            ws.subscribe(channel);
        }
    }

    private RawWebSocket raw(HeraldProcess server) {
        return open.track(RawWebSocket.connect(server));
    }

}
