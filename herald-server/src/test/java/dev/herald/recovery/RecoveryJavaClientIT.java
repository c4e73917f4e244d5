package dev.herald.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.client.channel.PrivateEncryptedChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import dev.herald.recovery.RecoveringClient.Feed;
import dev.herald.testing.CuttableProxy;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.Results;
import dev.herald.testing.TestApp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pusher-java-client 2.4.4 with {@link dev.herald.clients.HeraldRecovery} against the packaged
 * server (docs/recovery.md): every outage is a {@link CuttableProxy} dropping the client's
 * connection and refusing it for a while, events are published straight to the server with
 * pusher-http-java, and the app's {@code channel.bind} listener must get each of them exactly once,
 * in order, or be told of the gap. The proxy also reads the wire, so the tests check what the
 * helper sent and when.
 */
class RecoveryJavaClientIT {

    private static final TestApp APP = TestApp.DEFAULT;

    /** The master key of the worked example in docs/protocol.md §3.6: bytes 0..31. */
    private static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("recovery-java", HistoryApps.env(APP));
        sdk = HistoryApps.sdk(herald, APP);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private static String unique(String prefix) {
        return prefix
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    private CuttableProxy proxy(HeraldProcess server) {
        return open.track(CuttableProxy.to(server.port()));
    }

    private RecoveringClient helper(CuttableProxy proxy) {
        return open.track(
                RecoveringClient.withHelper(proxy.port(), APP, HistoryApps.authorizer(sdk)));
    }

    static void publish(Pusher api, String channel, int from, int to) {
        for (int n = from; n <= to; n++) {
            Results.ok(api.trigger(channel, "n", Map.of("n", n)));
        }
    }

    static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }

    @Test
    void replaysTheOutageOfAPublicChannelExactlyOnceAndInOrder() {
        outage(unique("history-feed-"));
    }

    @Test
    void replaysTheOutageOfAPrivateChannelExactlyOnceAndInOrder() {
        outage(unique("private-history-feed-"));
    }

    /**
     * Events 1–10 live; the connection cut; 11–110 published during the outage; the proxy open
     * again and 111–210 published while the client reconnects: the app gets 1–210, each once, in
     * order, and no gap is signalled.
     */
    private void outage(String channel) {
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(sdk, channel, 1, 10);
        feed.awaitNumbers(10);
        String before = client.recovery.position(channel);
        assertThat(before).as("position after 10 live events").matches("[A-Za-z0-9]{1,16}:\\d+");

        proxy.cut();
        client.awaitDisconnected();
        publish(sdk, channel, 11, 110);
        CompletableFuture<Void> whileReconnecting =
                CompletableFuture.runAsync(() -> publish(sdk, channel, 111, 210));
        proxy.restore();
        whileReconnecting.join();

        feed.awaitNumbers(210);
        feed.fence(sdk);
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 210));
        assertThat(client.gaps).isEmpty();
        assertThat(client.connections()).isEqualTo(2);

        List<CuttableProxy.Link> links = proxy.links();
        assertThat(links).hasSize(2);
        JsonNode asked = Wire.data(Json.parse(links.get(1).clientMessages().get(0)));
        assertThat(Wire.events(links.get(1).clientMessages()).get(0)).isEqualTo(Wire.RECOVERY);
        assertThat(asked.path("channels").path(channel).asText()).isEqualTo(before);
        assertThat(asked.path("socket_ids").get(0).asText()).isEqualTo(Wire.socketId(links.get(0)));
        JsonNode recovered = Wire.recovered(links.get(1), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(recovered.path("history").asBoolean()).as(recovered.toString()).isTrue();
        assertThat(recovered.path("replayed").asInt()).as(recovered.toString()).isBetween(100, 200);
        List<JsonNode> positions =
                Wire.frames(links.get(1).serverMessages(), Wire.POSITION, channel);
        assertThat(client.recovery.position(channel))
                .isEqualTo(
                        Wire.data(positions.get(positions.size() - 1)).path("position").asText());
    }

    /**
     * The replay of 400 missed events is slowed by the proxy and cut in its middle: the client
     * keeps the position of the last event it got, and the next connection replays the rest, so the
     * app still gets every event once, in order.
     */
    @Test
    void aReplayCutInItsMiddleIsFinishedByTheNextConnection() {
        String channel = unique("history-twice-");
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(sdk, channel, 1, 5);
        feed.awaitNumbers(5);

        proxy.cut();
        client.awaitDisconnected();
        for (int first = 6; first <= 405; first += 10) {
            List<Event> batch = new ArrayList<>();
            for (int n = first; n < first + 10; n++) {
                batch.add(new Event(channel, "n", Map.of("n", n)));
            }
            Results.ok(sdk.trigger(batch));
        }
        proxy.throttle(20_000); // about 100 events a second, each with its position frame
        proxy.restore();
        feed.awaitNumbers(5 + 50);
        proxy.cut();
        client.awaitDisconnected();
        proxy.throttle(0);
        proxy.restore();

        feed.awaitNumbers(405);
        feed.fence(sdk);
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 405));
        assertThat(client.gaps).isEmpty();
        List<CuttableProxy.Link> links = proxy.links();
        assertThat(links).hasSize(3);
        assertThat(Wire.frames(links.get(1).serverMessages(), Wire.RECOVERED, channel))
                .as("the second connection was cut before its replay ended")
                .isEmpty();
        String asked =
                Wire.data(Json.parse(links.get(2).clientMessages().get(0)))
                        .path("channels")
                        .path(channel)
                        .asText();
        long askedSerial = Long.parseLong(asked.substring(asked.indexOf(':') + 1));
        assertThat(askedSerial).as("asked from the middle of the replay").isBetween(55L, 404L);
        JsonNode firstReplayed =
                Wire.data(
                        Wire.frames(links.get(2).serverMessages(), Wire.POSITION, channel).get(0));
        assertThat(firstReplayed.path("position").asText())
                .isEqualTo(asked.substring(0, asked.indexOf(':') + 1) + (askedSerial + 1));
        JsonNode recovered = Wire.recovered(links.get(2), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(recovered.path("replayed").asLong()).isEqualTo(405 - askedSerial);
    }

    /**
     * An event the app published "to others" from the client's earlier connection (its socket id as
     * {@code socket_id}) is not replayed to it: the helper sends the earlier socket ids.
     */
    @Test
    void anEventPublishedToOthersFromAnEarlierConnectionIsNotReplayed() {
        String channel = unique("history-others-");
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        String earlier = client.pusher.getConnection().getSocketId();
        publish(sdk, channel, 1, 2);
        feed.awaitNumbers(2);

        proxy.cut();
        client.awaitDisconnected();
        publish(sdk, channel, 3, 3);
        Results.ok(sdk.trigger(channel, "n", Map.of("n", 4), earlier));
        publish(sdk, channel, 5, 6);
        proxy.restore();

        feed.awaitNumbers(5);
        feed.fence(sdk);
        assertThat(feed.numbers()).containsExactly(1, 2, 3, 5, 6);
        JsonNode asked = Wire.data(Json.parse(proxy.links().get(1).clientMessages().get(0)));
        assertThat(asked.path("socket_ids").get(0).asText()).isEqualTo(earlier);
        JsonNode recovered = Wire.recovered(proxy.links().get(1), channel);
        assertThat(recovered.path("replayed").asInt()).as(recovered.toString()).isEqualTo(3);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(client.gaps).isEmpty();
    }

    @Test
    void aCutThatMissedNothingReplaysNothingAndSignalsNoGap() {
        String channel = unique("history-quiet-");
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(sdk, channel, 1, 3);
        feed.awaitNumbers(3);
        String before = client.recovery.position(channel);

        proxy.cut();
        client.awaitDisconnected();
        proxy.restore();
        client.awaitConnected();
        await("recovered on the second connection")
                .atMost(RecoveringClient.WAIT)
                .until(
                        () ->
                                proxy.links().size() == 2
                                        && !Wire.frames(
                                                        proxy.links().get(1).serverMessages(),
                                                        Wire.RECOVERED,
                                                        channel)
                                                .isEmpty());
        publish(sdk, channel, 4, 5);
        feed.awaitNumbers(5);
        feed.fence(sdk);

        JsonNode recovered = Wire.recovered(proxy.links().get(1), channel);
        assertThat(recovered.path("replayed").asInt()).as(recovered.toString()).isZero();
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(recovered.path("position").asText()).isEqualTo(before);
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 5));
        assertThat(client.gaps).isEmpty();
    }

    @Test
    void anOutageLongerThanTheHistoryIsAGap() {
        String channel = unique("history-small-");
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(sdk, channel, 1, 5);
        feed.awaitNumbers(5);

        proxy.cut();
        client.awaitDisconnected();
        int last = 5 + HistoryApps.SMALL + 10;
        publish(sdk, channel, 6, last);
        proxy.restore();

        await("gap signalled").atMost(RecoveringClient.WAIT).until(() -> !client.gaps.isEmpty());
        publish(sdk, channel, last + 1, last + 3);
        await("live events after the gap")
                .atMost(RecoveringClient.WAIT)
                .until(() -> feed.numbers().contains(last + 3));
        feed.fence(sdk);

        assertThat(client.gaps).containsExactly(channel);
        JsonNode recovered = Wire.recovered(proxy.links().get(1), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isTrue();
        assertThat(recovered.path("reason").asText()).as(recovered.toString()).isNotBlank();
        List<Integer> numbers = feed.numbers();
        assertThat(numbers.subList(0, 5)).containsExactlyElementsOf(range(1, 5));
        assertThat(numbers.subList(numbers.size() - 3, numbers.size()))
                .containsExactlyElementsOf(range(last + 1, last + 3));
        assertThat(numbers).as("whatever was replayed: once, in order").isSorted();
        assertThat(numbers).doesNotHaveDuplicates();
    }

    @Test
    void aServerRestartLosesTheHistoryAndIsAGap() {
        HeraldProcess server =
                open.track(
                        HeraldProcess.start("recovery-java-restart", HistoryApps.defaultAppEnv()));
        Pusher api = HistoryApps.sdk(server, APP);
        String channel = unique("history-epoch-");
        CuttableProxy proxy = proxy(server);
        RecoveringClient client =
                open.track(
                        RecoveringClient.withHelper(
                                proxy.port(), APP, HistoryApps.authorizer(api)));
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(api, channel, 1, 5);
        feed.awaitNumbers(5);
        String before = client.recovery.position(channel);

        proxy.cut();
        client.awaitDisconnected();
        server.restart();
        proxy.restore();

        await("gap signalled").atMost(RecoveringClient.WAIT).until(() -> !client.gaps.isEmpty());
        publish(api, channel, 6, 8);
        feed.awaitNumbers(8);
        feed.fence(api);

        assertThat(client.gaps).containsExactly(channel);
        JsonNode recovered = Wire.recovered(proxy.links().get(1), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isTrue();
        assertThat(recovered.path("reason").asText()).as(recovered.toString()).isNotBlank();
        String epochBefore = before.substring(0, before.indexOf(':'));
        assertThat(client.recovery.position(channel)).doesNotStartWith(epochBefore + ":");
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 8));
    }

    /**
     * The helper's message leaves before the subscriptions the client renews, on the first
     * connection and on each of eleven reconnections, and carries the earlier socket ids (the ten
     * newest) and the positions of the tracked channels; a channel without history is dropped.
     */
    @Test
    void theRecoveryRequestLeavesBeforeEveryRenewedSubscription() {
        String suffix = unique("-");
        List<String> channels =
                List.of(
                        "history-order-a" + suffix,
                        "private-history-order-b" + suffix,
                        "history-order-c" + suffix,
                        "plain-order-d" + suffix,
                        "private-history-order-e" + suffix);
        String plain = channels.get(3);
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client = helper(proxy);
        List<Feed> feeds = channels.stream().map(client::subscribe).collect(Collectors.toList());
        client.connect();
        feeds.forEach(Feed::awaitSubscribed);
        publish(sdk, channels.get(0), 1, 1);
        feeds.get(0).awaitNumbers(1);
        await("the channel without history dropped")
                .atMost(RecoveringClient.WAIT)
                .until(() -> !client.recovery.isTracked(plain));

        int reconnections = 11;
        for (int round = 1; round <= reconnections; round++) {
            proxy.cut();
            client.awaitDisconnected();
            proxy.restore();
            int links = round + 1;
            await("connection " + links + " subscribed to every channel")
                    .atMost(RecoveringClient.WAIT)
                    .until(
                            () ->
                                    proxy.links().size() == links
                                            && Wire.frames(
                                                                    proxy.links()
                                                                            .get(links - 1)
                                                                            .serverMessages(),
                                                                    "pusher_internal:subscription_succeeded",
                                                                    null)
                                                            .size()
                                                    == channels.size());
        }

        List<CuttableProxy.Link> links = proxy.links();
        assertThat(links).hasSize(reconnections + 1);
        List<String> socketIds = links.stream().map(Wire::socketId).collect(Collectors.toList());
        for (int i = 0; i < links.size(); i++) {
            List<String> sent = links.get(i).clientMessages();
            List<String> events = Wire.events(sent);
            assertThat(events)
                    .as("connection %d sent %s", i, sent)
                    .startsWith(Wire.RECOVERY)
                    .containsOnlyOnce(Wire.RECOVERY);
            assertThat(events.stream().filter("pusher:subscribe"::equals).count())
                    .as("connection %d sent %s", i, sent)
                    .isEqualTo(channels.size());
            JsonNode asked = Wire.data(Json.parse(sent.get(0)));
            List<String> earlier = new ArrayList<>();
            asked.path("socket_ids").forEach(id -> earlier.add(id.asText()));
            assertThat(earlier)
                    .as("socket ids sent on connection %d", i)
                    .containsExactlyElementsOf(socketIds.subList(Math.max(0, i - 10), i));
            List<String> named = new ArrayList<>();
            for (Iterator<String> it = asked.path("channels").fieldNames(); it.hasNext(); ) {
                named.add(it.next());
            }
            if (i == 0) {
                assertThat(named).as("nothing to recover on the first connection").isEmpty();
            } else {
                assertThat(named)
                        .as("channels asked on connection %d: %s", i, asked)
                        .containsExactlyInAnyOrder(
                                channels.get(0), channels.get(1), channels.get(2), channels.get(4));
            }
        }
        assertThat(client.gaps).isEmpty();
        publish(sdk, plain, 1, 1);
        feeds.get(3).awaitNumbers(1);
        assertThat(client.recovery.position(plain)).isNull();
    }

    /**
     * pusher-java-client without the helper, on a channel with history: the same frames as on a
     * channel without (no Herald frame reaches even a {@code bindGlobal} listener), and an outage
     * loses what it lost before.
     */
    @Test
    void aStockClientOnAHistoryChannelGetsExactlyWhatItGotBefore() {
        String suffix = unique("-");
        String channel = "history-stock" + suffix;
        String plain = "plain-stock" + suffix;
        CuttableProxy proxy = proxy(herald);
        RecoveringClient client =
                open.track(RecoveringClient.stock(proxy.port(), APP, HistoryApps.authorizer(sdk)));
        Feed feed = client.subscribe(channel);
        Feed plainFeed = client.subscribe(plain);
        client.connect();
        feed.awaitSubscribed();
        plainFeed.awaitSubscribed();
        for (int n = 1; n <= 20; n++) {
            Results.ok(sdk.trigger(List.of(channel, plain), "n", Map.of("n", n)));
        }
        feed.awaitNumbers(20);
        plainFeed.awaitNumbers(20);

        proxy.cut();
        client.awaitDisconnected();
        publish(sdk, channel, 21, 30);
        proxy.restore();
        await("subscribed again")
                .atMost(RecoveringClient.WAIT)
                .until(
                        () ->
                                proxy.links().size() == 2
                                        && Wire.frames(
                                                                proxy.links()
                                                                        .get(1)
                                                                        .serverMessages(),
                                                                "pusher_internal:subscription_succeeded",
                                                                null)
                                                        .size()
                                                == 2);
        publish(sdk, channel, 31, 40);
        feed.awaitNumbers(30);
        feed.fence(sdk);

        List<Integer> expected = range(1, 20);
        expected.addAll(range(31, 40));
        assertThat(feed.numbers()).containsExactlyElementsOf(expected);
        assertThat(feed.globalNames()).containsOnly("n", "fence");
        assertThat(feed.globalNames().stream().filter("n"::equals).count()).isEqualTo(30);
        for (CuttableProxy.Link link : proxy.links()) {
            assertThat(Wire.events(link.clientMessages())).doesNotContain(Wire.RECOVERY);
            assertThat(Wire.events(link.serverMessages()))
                    .as("server frames on a stock connection")
                    .isSubsetOf(
                            "pusher:connection_established",
                            "pusher_internal:subscription_succeeded",
                            "n",
                            "fence");
        }
        List<JsonNode> onHistory = Wire.frames(proxy.links().get(0).serverMessages(), "n", channel);
        List<JsonNode> onPlain = Wire.frames(proxy.links().get(0).serverMessages(), "n", plain);
        assertThat(onHistory).hasSize(20);
        for (int i = 0; i < 20; i++) {
            ObjectNode same = onPlain.get(i).deepCopy();
            same.put("channel", channel);
            assertThat(onHistory.get(i))
                    .as("frame %d, as on a channel without history", i)
                    .isEqualTo(same);
        }
        assertThat(client.gaps).isEmpty();
    }

    /**
     * A helper connection asks for positions on every subscription, but pusher-java-client decrypts
     * every frame on a {@code private-encrypted-} channel (with history or without): the app's
     * events there must still arrive decrypted, with no decryption failure and no exception thrown
     * on the client's event thread.
     */
    @Test
    void encryptedChannelsOnAHelperConnectionStillDecrypt() {
        Pusher encrypting = new Pusher(APP.id(), APP.key(), APP.secret(), MASTER_KEY);
        encrypting.setHost(HeraldProcess.HOST + ":" + herald.port());
        encrypting.setRequestTimeout(15_000);
        String suffix = unique("-");
        List<String> channels =
                List.of("private-encrypted-history" + suffix, "private-encrypted-plain" + suffix);
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> thrown.add(e));
        // collected here and reported with the frames below, rather than failing the first wait
        Awaitility.doNotCatchUncaughtExceptionsByDefault();
        try {
            CuttableProxy proxy = proxy(herald);
            RecoveringClient client =
                    open.track(
                            RecoveringClient.withHelper(
                                    proxy.port(), APP, HistoryApps.authorizer(encrypting)));
            List<Decrypted> decrypted = new ArrayList<>();
            for (String channel : channels) {
                Decrypted listener = new Decrypted(channel);
                client.pusher.subscribePrivateEncrypted(channel, listener, "n");
                decrypted.add(listener);
            }
            client.connect();
            decrypted.forEach(Decrypted::awaitSubscribed);

            for (int n = 1; n <= 3; n++) {
                for (String channel : channels) {
                    // pusher-http-java encrypts for one channel at a time
                    Results.ok(encrypting.trigger(channel, "n", Map.of("n", n)));
                }
            }
            for (Decrypted listener : decrypted) {
                await("3 decrypted events on " + listener.channel + ", or a failure")
                        .atMost(RecoveringClient.WAIT)
                        .until(() -> listener.events.size() == 3 || !listener.failures.isEmpty());
                assertThat(listener.failures)
                        .as("server sent: %s", proxy.links().get(0).serverMessages())
                        .isEmpty();
                assertThat(listener.events.stream().map(PusherEvent::getData))
                        .containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
            }
            assertThat(thrown.stream().map(String::valueOf))
                    .as(
                            "thrown on the client's threads; server sent: %s",
                            proxy.links().get(0).serverMessages())
                    .isEmpty();
        } finally {
            Awaitility.reset();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    /** What an encrypted channel gives the app: decrypted events and decryption failures. */
    static final class Decrypted extends dev.herald.testing.ChannelRecorder
            implements PrivateEncryptedChannelEventListener {
        final List<String> failures = new CopyOnWriteArrayList<>();

        Decrypted(String channel) {
            super(channel, RecoveringClient.WAIT);
        }

        @Override
        public void onDecryptionFailure(String event, String reason) {
            failures.add(event + ": " + reason);
        }
    }
}
