package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.protocol.Json;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code pusher_internal:subscription_count} as subscribers receive it (docs/protocol.md §3.8),
 * with the coalescing window's time moved by the test ({@link SessionHarness#advance}). The
 * official clients' side is end to end: {@code SubscriptionCountIT} (pusher-java-client) and {@code
 * app-flags.test.js} (pusher-js).
 */
class SubscriptionCountTest {

    private static final String COUNT = "pusher_internal:subscription_count";
    private static final Duration WINDOW = Duration.ofMillis(SubscriptionCounter.COALESCE_MILLIS);
    private static final App COUNTED =
            App.of("1", "key-1", "secret-1")
                    .withFeatures(
                            new AppFeatures(
                                    false, true, false, true, false, Duration.ofSeconds(30)));
    private static final App NOT_COUNTED =
            App.of("2", "key-2", "secret-2").withFeatures(AppFeatures.defaults());

    private SessionHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private record Socket(App app, Client client, String id) {
        void subscribe(String channel) {
            String auth =
                    channel.startsWith("private-")
                            ? SessionHarness.auth(app, id, channel, null)
                            : null;
            client.send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\""
                            + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                            + "}}");
            assertThat(client.frames())
                    .singleElement()
                    .extracting(Frame::event)
                    .isEqualTo("pusher_internal:subscription_succeeded");
        }

        void join(String channel, String userId) {
            String channelData = "{\"user_id\":\"" + userId + "\",\"user_info\":{}}";
            client.send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\",\"auth\":\""
                            + SessionHarness.auth(app, id, channel, channelData)
                            + "\",\"channel_data\":"
                            + Json.MAPPER.valueToTree(channelData)
                            + "}}");
            assertThat(client.frames())
                    .extracting(Frame::event)
                    .contains("pusher_internal:subscription_succeeded");
        }

        void unsubscribe(String channel) {
            client.send(
                    "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\"}}");
        }

        /** The counts this socket received since the last read, as {@code channel=count}. */
        List<String> counts() {
            List<String> counts = new ArrayList<>();
            for (Frame frame : client.frames()) {
                if (frame.event().equals(COUNT)) {
                    counts.add(frame.json().path("channel").asText() + "=" + count(frame));
                }
            }
            return counts;
        }
    }

    private static int count(Frame frame) {
        JsonNode data = frame.json().path("data");
        assertThat(data.isTextual()).as("data is a JSON string: %s", frame).isTrue();
        try {
            return Json.MAPPER.readTree(data.asText()).path("subscription_count").asInt();
        } catch (Exception e) {
            throw new AssertionError(frame.toString(), e);
        }
    }

    private Socket connect(App app) {
        Client client = harness.connect(app);
        return new Socket(app, client, client.socketId());
    }

    @Test
    void sendsTheCountAsAStringEncodedObjectOnPublicAndPrivateChannelsOnceTheWindowIsOver() {
        harness = new SessionHarness(2);
        Socket first = connect(COUNTED);
        Socket second = connect(COUNTED);
        for (Socket socket : List.of(first, second)) {
            socket.subscribe("count-public");
            socket.subscribe("private-count");
        }

        harness.advance(WINDOW.minusMillis(1));
        assertThat(first.counts()).as("within the window").isEmpty();
        harness.advance(Duration.ofMillis(1));

        List<Frame> frames = first.client().frames();
        assertThat(frames)
                .extracting(Frame::text)
                .containsExactlyInAnyOrder(
                        "{\"event\":\"pusher_internal:subscription_count\",\"channel\":\"count-public\","
                                + "\"data\":\"{\\\"subscription_count\\\":2}\"}",
                        "{\"event\":\"pusher_internal:subscription_count\",\"channel\":\"private-count\","
                                + "\"data\":\"{\\\"subscription_count\\\":2}\"}");
        assertThat(second.counts()).containsExactlyInAnyOrder("count-public=2", "private-count=2");

        second.unsubscribe("count-public");
        harness.advance(WINDOW);
        assertThat(first.counts()).containsExactly("count-public=1");
        assertThat(second.counts()).as("no longer a subscriber").isEmpty();
    }

    @Test
    void coalescesABurstOfTwentyJoinsIntoOneCount() {
        harness = new SessionHarness(21);
        Socket observer = connect(COUNTED);
        observer.subscribe("count-burst");
        harness.advance(WINDOW);
        assertThat(observer.counts()).containsExactly("count-burst=1");
        List<Socket> joiners = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            joiners.add(connect(COUNTED));
        }

        joiners.forEach(j -> j.subscribe("count-burst"));
        harness.advance(WINDOW);

        assertThat(observer.counts())
                .as("one count for 20 joins")
                .containsExactly("count-burst=21");
        assertThat(joiners)
                .allSatisfy(j -> assertThat(j.counts()).containsExactly("count-burst=21"));
        harness.advance(WINDOW.multipliedBy(4));
        assertThat(observer.counts()).as("nothing more without a change").isEmpty();
    }

    @Test
    void sendsNoCountOnPresenceChannels() {
        harness = new SessionHarness(2);
        Socket first = connect(COUNTED);
        Socket second = connect(COUNTED);
        first.join("presence-count", "u1");
        second.join("presence-count", "u2");
        assertThat(first.client().frames())
                .extracting(Frame::event)
                .containsExactly("pusher_internal:member_added");
        first.subscribe("count-control");
        second.subscribe("count-control");

        harness.advance(WINDOW);

        assertThat(first.counts()).containsExactly("count-control=2");
        assertThat(second.counts()).containsExactly("count-control=2");
    }

    @Test
    void sendsNoCountWhenTheAppLeavesTheFeatureOff() {
        harness = new SessionHarness(2);
        Socket first = connect(NOT_COUNTED);
        Socket second = connect(NOT_COUNTED);
        first.subscribe("uncounted");
        second.subscribe("uncounted");

        harness.advance(WINDOW.multipliedBy(4));

        assertThat(first.counts()).isEmpty();
        assertThat(second.counts()).isEmpty();
        assertThat(AppFeatures.defaults().subscriptionCount())
                .as("off unless an app turns it on")
                .isFalse();
    }
}
