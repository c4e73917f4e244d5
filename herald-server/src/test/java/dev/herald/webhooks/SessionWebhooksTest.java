package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.Authenticators;
import dev.herald.cluster.ClusterView;
import dev.herald.limits.MessageBudget;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks raised by real sessions ({@link SessionHarness}) and posted by a {@link
 * WebhookDispatcher} on the test's clock: which socket changes become which events, and what each
 * event says. The dispatcher's own rules are {@link WebhookDispatcherTest}.
 */
class SessionWebhooksTest {

    private static final URI HOOK = URI.create("http://127.0.0.1:9/hook");
    private static final App APP =
            App.of("1", "key-1", "secret-1")
                    .withFeatures(
                            new AppFeatures(true, true, false, true, false, Duration.ofSeconds(30)))
                    .withWebhooks(List.of(WebhookTarget.all(HOOK)));
    private static final WebhookSettings SETTINGS = WebhookSettings.defaults();
    private static final Duration SETTLED = SETTINGS.debounce().plus(SETTINGS.batchMaxWait());

    private final ManualWebhookThread thread = new ManualWebhookThread();
    private final RecordingSender sender = new RecordingSender(thread::nanoTime);
    private SessionHarness harness;
    private WebhookDispatcher dispatcher;

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close(Duration.ZERO);
        }
        if (harness != null) {
            harness.close();
        }
    }

    private void start(int clients) {
        // the node's own view answers the counts, as on a single node; it exists once the harness
        // does
        dispatcher =
                new WebhookDispatcher(
                        SETTINGS,
                        new Authenticators(),
                        HeraldMetrics.inMemory(),
                        new HarnessView(() -> harness.context.view()),
                        RemovalMarks.LOCAL,
                        thread,
                        sender);
        harness =
                new SessionHarness(clients, MessageBudget.DEFAULT, 10_240, dispatcher, dispatcher);
    }

    /** The harness's cluster view, read when asked. */
    private record HarnessView(Supplier<ClusterView> view) implements ClusterView {
        @Override
        public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
            return view.get().subscriptionCount(appId, channel);
        }

        @Override
        public CompletionStage<Integer> userCount(String appId, String channel) {
            return view.get().userCount(appId, channel);
        }

        @Override
        public CompletionStage<List<Member>> members(String appId, String channel) {
            return view.get().members(appId, channel);
        }

        @Override
        public CompletionStage<Map<String, Counts>> channels(String appId) {
            return view.get().channels(appId);
        }

        @Override
        public CompletionStage<Map<String, Counts>> allChannels(String appId) {
            return view.get().allChannels(appId);
        }

        @Override
        public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
            return view.get().occupied(appId, channels);
        }
    }

    private record Socket(Client client, String id) {
        void send(String text) {
            client.send(text);
            client.frames();
        }

        void subscribe(String channel) {
            String auth =
                    channel.startsWith("private-")
                            ? SessionHarness.auth(APP, id, channel, null)
                            : null;
            send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\""
                            + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                            + "}}");
        }

        void join(String channel, String userId) {
            String channelData = "{\"user_id\":\"" + userId + "\",\"user_info\":{}}";
            send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\",\"auth\":\""
                            + SessionHarness.auth(APP, id, channel, channelData)
                            + "\",\"channel_data\":"
                            + Json.MAPPER.valueToTree(channelData)
                            + "}}");
        }

        void unsubscribe(String channel) {
            send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
        }

        void trigger(String channel, String event, String data) {
            send(
                    "{\"event\":\""
                            + event
                            + "\",\"channel\":\""
                            + channel
                            + "\",\"data\":"
                            + data
                            + "}");
        }

        void disconnect() {
            client.channel.close();
            client.channel.runPendingTasks();
        }
    }

    private Socket connect() {
        Client client = harness.connect(APP);
        return new Socket(client, client.socketId());
    }

    /** The occupancy and membership events of one channel, in order. */
    private List<String> summary(String channel) {
        return sender.summary(HOOK).stream()
                .filter(s -> s.endsWith(" " + channel))
                .filter(s -> s.startsWith("channel_") || s.startsWith("member_"))
                .toList();
    }

    private List<JsonNode> events(String name, String channel) {
        return sender.posts().stream()
                .flatMap(p -> p.events().stream())
                .filter(
                        e ->
                                e.path("name").asText().equals(name)
                                        && e.path("channel").asText().equals(channel))
                .toList();
    }

    @Test
    void aChannelIsOccupiedOnceOnItsFirstSubscriberAndVacatedOnceAfterItsLastAndTheDebounce() {
        start(2);
        Socket a = connect();
        Socket b = connect();
        a.subscribe("room");
        b.subscribe("room");
        thread.advance(SETTINGS.batchMaxWait());
        assertThat(summary("room")).containsExactly("channel_occupied room");

        a.unsubscribe("room");
        b.disconnect();
        thread.advance(SETTINGS.debounce().minusMillis(1));
        assertThat(summary("room")).as("debounced").containsExactly("channel_occupied room");
        thread.advance(SETTLED);

        assertThat(summary("room"))
                .containsExactly("channel_occupied room", "channel_vacated room");
        assertThat(events("channel_vacated", "room"))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.toString())
                                        .isEqualTo(
                                                "{\"name\":\"channel_vacated\",\"channel\":\"room\"}"));
    }

    @Test
    void aMemberIsAddedAndRemovedOncePerUserNotPerSocket() {
        start(3);
        Socket u1a = connect();
        Socket u1b = connect();
        Socket u2 = connect();
        u1a.join("presence-room", "u1");
        u1b.join("presence-room", "u1");
        u2.join("presence-room", "u2");
        thread.advance(SETTINGS.batchMaxWait());

        u1a.disconnect();
        thread.advance(SETTLED);
        assertThat(summary("presence-room"))
                .as("u1 still has a socket")
                .containsExactly(
                        "channel_occupied presence-room",
                        "member_added:u1 presence-room",
                        "member_added:u2 presence-room");
        u1b.unsubscribe("presence-room");
        thread.advance(SETTLED);

        assertThat(summary("presence-room"))
                .containsExactly(
                        "channel_occupied presence-room",
                        "member_added:u1 presence-room",
                        "member_added:u2 presence-room",
                        "member_removed:u1 presence-room");
        assertThat(events("member_removed", "presence-room"))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.toString())
                                        .isEqualTo(
                                                "{\"name\":\"member_removed\",\"channel\":\"presence-room\",\"user_id\":\"u1\"}"));
    }

    @Test
    void aClientEventCarriesItsNameDataAndSenderAndTheUserOnPresenceChannelsOnly() {
        start(2);
        Socket sender = connect();
        Socket other = connect();
        for (Socket s : List.of(sender, other)) {
            s.subscribe("private-ce");
            s.join("presence-ce", s == sender ? "sender" : "other");
        }
        sender.trigger("private-ce", "client-typing", "{\"text\":\"hi\",\"n\":1}");
        sender.trigger("presence-ce", "client-wave", "\"left\"");
        thread.advance(SETTINGS.batchMaxWait());

        assertThat(events("client_event", "private-ce"))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.toString())
                                        .isEqualTo(
                                                "{\"name\":\"client_event\",\"channel\":\"private-ce\",\"event\":\"client-typing\","
                                                        + "\"data\":\"{\\\"text\\\":\\\"hi\\\",\\\"n\\\":1}\",\"socket_id\":\""
                                                        + sender.id()
                                                        + "\"}"));
        assertThat(events("client_event", "presence-ce"))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.toString())
                                        .isEqualTo(
                                                "{\"name\":\"client_event\",\"channel\":\"presence-ce\",\"event\":\"client-wave\","
                                                        + "\"data\":\"left\",\"socket_id\":\""
                                                        + sender.id()
                                                        + "\",\"user_id\":\"sender\"}"));
    }

    @Test
    void aCacheMissIsReportedForAnEmptyCacheChannelOnly() {
        start(1);
        harness.context.cache().put(APP.id(), "cache-full", "kept", "{}", Duration.ofMinutes(30));
        Socket socket = connect();
        socket.subscribe("cache-empty");
        socket.subscribe("cache-full");
        thread.advance(SETTINGS.batchMaxWait());

        assertThat(events("cache_miss", "cache-empty"))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.toString())
                                        .isEqualTo(
                                                "{\"name\":\"cache_miss\",\"channel\":\"cache-empty\"}"));
        assertThat(events("cache_miss", "cache-full")).isEmpty();
    }

    @Test
    void subscriptionCountsFollowTheSubscribersOfNonPresenceChannels() {
        start(2);
        Socket a = connect();
        Socket b = connect();
        // each change handled before the next: the count is the cluster's when the webhook thread
        // asks
        a.subscribe("counted");
        thread.runReady();
        b.subscribe("counted");
        thread.runReady();
        a.join("presence-counted", "a");
        b.join("presence-counted", "b");
        thread.advance(SETTINGS.batchMaxWait());
        b.disconnect();
        thread.advance(SETTINGS.batchMaxWait());

        assertThat(events("subscription_count", "counted"))
                .extracting(e -> e.path("subscription_count").asInt())
                .containsExactly(1, 2, 1);
        assertThat(events("subscription_count", "presence-counted")).isEmpty();
    }
}
