package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Subscription counts (docs/protocol.md §3.8), enabled with HERALD_APP_SUBSCRIPTION_COUNT=true: subscribers of
 * non-presence channels get {@code pusher_internal:subscription_count}, coalesced. pusher-java-client
 * re-emits it to the channel's listeners as {@code pusher:subscription_count}; the wire format and
 * the coalescing are checked with raw frames.
 */
class SubscriptionCountIT {

    private static final String COUNT = "pusher_internal:subscription_count";

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("subscription-count", Map.of("HERALD_APP_SUBSCRIPTION_COUNT", "true"));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void javaClientsReceiveTheSubscriptionCountOfTheirChannel() {
        JavaClient first = open.track(JavaClient.connected(herald, "first"));
        JavaClient.Recorder firstView = first.subscribe("count-java");
        awaitCount(firstView, 1);

        JavaClient second = open.track(JavaClient.connected(herald, "second"));
        JavaClient.Recorder secondView = second.subscribe("count-java");

        awaitCount(firstView, 2);
        awaitCount(secondView, 2);
        assertThat(firstView.events("pusher:subscription_count").get(0).getChannelName()).isEqualTo("count-java");

        second.close();

        awaitCount(firstView, 1, 2);
    }

    @Test
    void sendsTheCountAsAStringEncodedObjectOnPublicAndPrivateChannels() {
        RawWebSocket ws = raw();
        ws.subscribeAndAwait("count-public");
        ws.subscribeSigned(sdk, "private-count");

        JsonNode publicCount = ws.awaitEvent(COUNT, "count-public");
        JsonNode privateCount = ws.awaitEvent(COUNT, "private-count");

        assertThat(publicCount.get("data").isTextual()).as("%s", publicCount).isTrue();
        assertThat(Json.data(publicCount).path("subscription_count").asInt()).isEqualTo(1);
        assertThat(Json.data(privateCount).path("subscription_count").asInt()).isEqualTo(1);
    }

    @Test
    void coalescesABurstOfTwentyJoinsIntoAFewCountEvents() {
        String channel = "count-burst";
        RawWebSocket observer = raw();
        observer.subscribeAndAwait(channel);
        observer.awaitEvent(COUNT, channel);
        List<RawWebSocket> joiners = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            joiners.add(raw());
        }

        joiners.forEach(j -> j.subscribe(channel));

        List<Integer> counts = new ArrayList<>();
        observer.await("a count of 21", frame -> {
            if (COUNT.equals(frame.path("event").asText())) {
                counts.add(Json.data(frame).path("subscription_count").asInt());
            }
            return counts.contains(21);
        });
        assertThat(counts).as("count events for 20 joins").hasSizeLessThanOrEqualTo(5).endsWith(21);
    }

    @Test
    void sendsNoCountOnPresenceChannels() {
        RawWebSocket first = raw();
        RawWebSocket second = raw();
        List<RawWebSocket> both = List.of(first, second);
        for (RawWebSocket ws : both) {
            ws.subscribePresence(sdk, "presence-count", new PresenceUser("u" + both.indexOf(ws)));
            ws.awaitEvent("pusher_internal:subscription_succeeded", "presence-count");
            ws.subscribeAndAwait("count-control");
        }

        // the control channel's count was due after the presence channel's would have been
        first.await("control count 2", f -> COUNT.equals(f.path("event").asText())
                && "count-control".equals(f.path("channel").asText())
                && Json.data(f).path("subscription_count").asInt() == 2);
        List<JsonNode> presenceFrames = first.fence(sdk, "presence-count");

        assertThat(presenceFrames).noneMatch(f -> COUNT.equals(f.path("event").asText())
                && "presence-count".equals(f.path("channel").asText()));
        assertThat(Sdk.get(sdk, "/channels/presence-count", Map.of("info", "subscription_count"))
                .path("subscription_count").asInt()).as("the HTTP API still counts").isEqualTo(2);
    }

    /** Waits until the last {@code pusher:subscription_count} the Java client reported is {@code count}. */
    private static void awaitCount(JavaClient.Recorder recorder, int count) {
        awaitCount(recorder, count, 1);
    }

    /** Waits for the {@code nth} {@code pusher:subscription_count} event reporting {@code count}. */
    private static void awaitCount(JavaClient.Recorder recorder, int count, int nth) {
        await(recorder.channel + " count " + count).atMost(JavaClient.WAIT).until(() ->
                recorder.events("pusher:subscription_count").stream()
                        .filter(e -> Json.parse(e.getData()).path("subscription_count").asInt() == count)
                        .count() >= nth);
    }

    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }

}
