package dev.herald.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.HistoryRule;
import dev.herald.broker.Broker;
import dev.herald.broker.RecordingListener;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ChannelHistory} engine does with its broker, on one node: events recorded by
 * {@link Broker#publishRecorded} and read back through the history. Extended by {@code
 * LocalChannelHistoryTest}; engines shared by nodes extend {@link ClusteredHistoryContract}.
 */
public abstract class ChannelHistoryContract {

    /** Long enough for a round trip to a busy Redis; a correct engine takes milliseconds. */
    protected static final Duration WITHIN = Duration.ofSeconds(5);

    protected static final String APP = "app-id";
    protected static final String CHANNEL = "private-build-7";
    protected static final HistoryRule RULE = new HistoryRule("private-build-", 100, 600);

    /**
     * One node: its started broker, delivering to {@code listener}, and the history it records in.
     */
    public record Node(Broker broker, ChannelHistory history, RecordingListener listener) {}

    /** A node (of the same cluster as every other this test made); the subclass closes it after. */
    protected abstract Node node() throws Exception;

    /** Lets time pass for every node's engine: the test's clock, or the real one. */
    protected abstract void pass(Duration time) throws Exception;

    /** An event whose frame is these bytes (ISO-8859-1, so any byte value can be written). */
    protected static EncodedEvent event(String frame) {
        return new EncodedEvent(Unpooled.copiedBuffer(frame, StandardCharsets.ISO_8859_1));
    }

    /**
     * Subscribes as the hub does: the listener has subscribers first, then the broker is told, and
     * publications reach the node once that completes.
     */
    protected static void subscribe(Node node, String appId, String channel) throws Exception {
        node.listener().wants(appId, channel, true);
        node.broker()
                .subscribe(appId, channel)
                .toCompletableFuture()
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records as the hub does (the caller releases its reference), and waits for the position. */
    protected static StreamPosition record(
            Node node, String appId, String channel, String frame, String exclude, HistoryRule rule)
            throws Exception {
        EncodedEvent event = event(frame);
        try {
            return node.broker()
                    .publishRecorded(appId, channel, event, exclude, rule)
                    .toCompletableFuture()
                    .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            event.release();
        }
    }

    protected static StreamPosition record(Node node, String frame) throws Exception {
        return record(node, APP, CHANNEL, frame, null, RULE);
    }

    protected static HistoryPage read(
            Node node,
            String appId,
            String channel,
            StreamPosition since,
            int limit,
            HistoryRule rule)
            throws Exception {
        return node.history()
                .read(appId, channel, since, limit, rule)
                .toCompletableFuture()
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    protected static HistoryPage read(Node node, StreamPosition since) throws Exception {
        return read(node, APP, CHANNEL, since, 1_000, RULE);
    }

    protected static List<String> texts(HistoryPage page) {
        return page.events().stream()
                .map(e -> new String(e.frame(), StandardCharsets.ISO_8859_1))
                .toList();
    }

    protected static List<Long> serials(HistoryPage page) {
        return page.events().stream().map(e -> e.position().serial()).toList();
    }

    private static String text(ByteBuf frame) {
        return frame.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void numbersAChannelsEventsFromOneInOneEpoch() throws Exception {
        Node node = node();
        List<StreamPosition> positions = new ArrayList<>();

        for (int i = 1; i <= 5; i++) {
            positions.add(record(node, "event " + i));
        }

        String epoch = positions.get(0).epoch();
        assertThat(epoch).matches("[0-9a-z]{8}");
        assertThat(positions)
                .containsExactly(
                        new StreamPosition(epoch, 1),
                        new StreamPosition(epoch, 2),
                        new StreamPosition(epoch, 3),
                        new StreamPosition(epoch, 4),
                        new StreamPosition(epoch, 5));
        HistoryPage page = read(node, null);
        assertThat(page.head()).isEqualTo(new StreamPosition(epoch, 5));
        assertThat(page.gap()).isNull();
        assertThat(page.more()).isFalse();
        assertThat(page.events()).extracting(RecordedEvent::position).isEqualTo(positions);
        assertThat(texts(page))
                .containsExactly("event 1", "event 2", "event 3", "event 4", "event 5");
    }

    @Test
    void deliversEachEventToTheListenerWithItsPositionAndPositionFrame() throws Exception {
        Node node = node();
        subscribe(node, APP, CHANNEL);

        StreamPosition first = record(node, APP, CHANNEL, "first", "123.456", RULE);
        StreamPosition second = record(node, APP, CHANNEL, "second", null, RULE);

        await().atMost(WITHIN).until(() -> node.listener().publications.size() == 2);
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> node.listener().publications.size() == 2);
        List<RecordingListener.Received> got = node.listener().publications;
        assertThat(got)
                .extracting(RecordingListener.Received::text)
                .containsExactly("first", "second");
        assertThat(got)
                .extracting(RecordingListener.Received::position)
                .containsExactly(first, second);
        assertThat(got)
                .extracting(RecordingListener.Received::excludeSocketId)
                .containsExactly("123.456", null);
        for (RecordingListener.Received received : got) {
            assertThat(received.appId()).isEqualTo(APP);
            assertThat(received.channel()).isEqualTo(CHANNEL);
            ByteBuf expected = Frames.position(CHANNEL, received.position());
            try {
                // one write for a subscriber with positions: the announcement, then the event
                assertThat(new String(received.positionedFrame(), StandardCharsets.ISO_8859_1))
                        .isEqualTo(
                                text(expected)
                                        + new String(received.frame(), StandardCharsets.ISO_8859_1))
                        .contains("\"position\\\":\\\"" + received.position() + "\\\"");
            } finally {
                expected.release();
            }
        }
    }

    @Test
    void neitherKeepsNorReleasesTheCallersEvent() throws Exception {
        Node node = node();
        subscribe(node, APP, CHANNEL);
        EncodedEvent event = event("hello");

        StreamPosition position =
                node.broker()
                        .publishRecorded(APP, CHANNEL, event, null, RULE)
                        .toCompletableFuture()
                        .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);

        // whatever the broker held of it is let go by the time the position is known
        assertThat(event.frame().refCnt()).isEqualTo(1);
        assertThat(event.frame().readerIndex()).isZero();
        assertThat(event.position()).isNull();
        event.release();
        await().atMost(WITHIN).until(() -> node.listener().publications.size() == 1);
        assertThat(node.listener().publications.get(0).position()).isEqualTo(position);
    }

    @Test
    void readsAfterAPositionAPageAtATime() throws Exception {
        Node node = node();
        List<StreamPosition> positions = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            positions.add(record(node, "event " + i));
        }
        String epoch = positions.get(0).epoch();

        HistoryPage first = read(node, APP, CHANNEL, positions.get(2), 4, RULE);
        HistoryPage second = read(node, APP, CHANNEL, first.events().get(3).position(), 4, RULE);
        HistoryPage last = read(node, APP, CHANNEL, positions.get(9), 4, RULE);
        HistoryPage limited = read(node, APP, CHANNEL, null, 1, RULE);

        assertThat(serials(first)).containsExactly(4L, 5L, 6L, 7L);
        assertThat(texts(first)).containsExactly("event 4", "event 5", "event 6", "event 7");
        assertThat(first.more()).isTrue();
        assertThat(first.gap()).isNull();
        assertThat(serials(second)).containsExactly(8L, 9L, 10L);
        assertThat(second.more()).isFalse();
        assertThat(last.events()).isEmpty();
        assertThat(last.more()).isFalse();
        assertThat(last.gap()).isNull();
        assertThat(serials(limited)).containsExactly(1L);
        assertThat(limited.more()).isTrue();
        for (HistoryPage page : List.of(first, second, last, limited)) {
            assertThat(page.head()).isEqualTo(new StreamPosition(epoch, 10));
        }
        assertThat(serials(read(node, new StreamPosition(epoch, 0)))).hasSize(10);
    }

    @Test
    void keepsTheExcludedSocketId() throws Exception {
        Node node = node();

        record(node, APP, CHANNEL, "to others", "123.456", RULE);
        record(node, APP, CHANNEL, "to all", null, RULE);

        assertThat(read(node, null).events())
                .extracting(RecordedEvent::excludeSocketId)
                .containsExactly("123.456", null);
    }

    @Test
    void keepsEveryByteOfTheFrame() throws Exception {
        Node node = node();
        StringBuilder everyByte = new StringBuilder();
        for (char c = 0; c < 256; c++) {
            everyByte.append(c);
        }

        record(node, everyByte.toString());
        record(node, "");

        assertThat(texts(read(node, null))).containsExactly(everyByte.toString(), "");
    }

    @Test
    void keepsTheRulesSizeAndSaysWhatWasTrimmed() throws Exception {
        Node node = node();
        HistoryRule three = new HistoryRule("private-", 3, 600);
        StreamPosition first = null;
        for (int i = 1; i <= 5; i++) {
            StreamPosition position = record(node, APP, CHANNEL, "event " + i, null, three);
            first = first == null ? position : first;
        }
        String epoch = first.epoch();

        HistoryPage all = read(node, APP, CHANNEL, null, 100, three);
        HistoryPage trimmed = read(node, APP, CHANNEL, first, 100, three);
        HistoryPage fromStart = read(node, APP, CHANNEL, new StreamPosition(epoch, 0), 100, three);
        HistoryPage justKept = read(node, APP, CHANNEL, new StreamPosition(epoch, 2), 100, three);

        assertThat(serials(all)).containsExactly(3L, 4L, 5L);
        assertThat(all.gap()).isNull();
        assertThat(trimmed.gap()).isEqualTo(HistoryPage.Gap.TRIMMED);
        assertThat(trimmed.events()).isEmpty();
        assertThat(trimmed.head()).isEqualTo(new StreamPosition(epoch, 5));
        assertThat(fromStart.gap()).isEqualTo(HistoryPage.Gap.TRIMMED);
        assertThat(justKept.gap()).isNull();
        assertThat(serials(justKept)).containsExactly(3L, 4L, 5L);
    }

    @Test
    void readsWithASmallerSizeThanItRecordedWith() throws Exception {
        Node node = node();
        for (int i = 1; i <= 5; i++) {
            record(node, "event " + i);
        }

        HistoryPage page = read(node, APP, CHANNEL, null, 100, new HistoryRule("private-", 2, 600));

        assertThat(serials(page)).containsExactly(4L, 5L);
    }

    @Test
    void dropsEventsOlderThanTheRulesTtl() throws Exception {
        Node node = node();
        HistoryRule second = new HistoryRule("private-", 100, 1);
        StreamPosition first = record(node, APP, CHANNEL, "old 1", null, second);
        record(node, APP, CHANNEL, "old 2", null, second);
        pass(Duration.ofMillis(1_100));
        StreamPosition fresh = record(node, APP, CHANNEL, "new", null, second);
        String epoch = first.epoch();

        HistoryPage all = read(node, APP, CHANNEL, null, 100, second);
        HistoryPage aged = read(node, APP, CHANNEL, first, 100, second);
        HistoryPage justKept = read(node, APP, CHANNEL, new StreamPosition(epoch, 2), 100, second);

        assertThat(fresh).isEqualTo(new StreamPosition(epoch, 3));
        assertThat(texts(all)).containsExactly("new");
        assertThat(aged.gap()).isEqualTo(HistoryPage.Gap.TRIMMED);
        assertThat(justKept.gap()).isNull();
        assertThat(texts(justKept)).containsExactly("new");
    }

    @Test
    void keepsAQuietChannelsEpochAfterItsEventsAgedOut() throws Exception {
        Node node = node();
        HistoryRule second = new HistoryRule("private-", 100, 1);
        record(node, APP, CHANNEL, "old 1", null, second);
        StreamPosition last = record(node, APP, CHANNEL, "old 2", null, second);
        pass(Duration.ofMillis(1_100));

        HistoryPage upToDate = read(node, APP, CHANNEL, last, 100, second);
        HistoryPage behind =
                read(node, APP, CHANNEL, new StreamPosition(last.epoch(), 1), 100, second);
        HistoryPage all = read(node, APP, CHANNEL, null, 100, second);

        assertThat(upToDate.gap()).isNull();
        assertThat(upToDate.events()).isEmpty();
        assertThat(upToDate.head()).isEqualTo(last);
        assertThat(behind.gap()).isEqualTo(HistoryPage.Gap.TRIMMED);
        assertThat(all.events()).isEmpty();
        assertThat(all.gap()).isNull();
        assertThat(record(node, APP, CHANNEL, "new", null, second)).isEqualTo(last.next());
    }

    @Test
    void saysWhenAPositionIsFromAnotherEpoch() throws Exception {
        Node node = node();
        StreamPosition position = record(node, "event");
        String other = position.epoch().equals("zzzzzzzz") ? "yyyyyyyy" : "zzzzzzzz";

        HistoryPage page = read(node, new StreamPosition(other, 1));
        HistoryPage longer = read(node, new StreamPosition(position.epoch() + "x", 1));

        assertThat(page.gap()).isEqualTo(HistoryPage.Gap.EPOCH);
        assertThat(page.events()).isEmpty();
        assertThat(page.more()).isFalse();
        assertThat(page.head()).isEqualTo(position);
        assertThat(longer.gap()).isEqualTo(HistoryPage.Gap.EPOCH);
    }

    @Test
    void saysWhenAPositionIsAheadOfTheChannel() throws Exception {
        Node node = node();
        StreamPosition position = record(node, "event");

        HistoryPage next = read(node, position.next());
        HistoryPage farthest = read(node, new StreamPosition(position.epoch(), Long.MAX_VALUE));

        assertThat(next.gap()).isEqualTo(HistoryPage.Gap.AHEAD);
        assertThat(next.head()).isEqualTo(position);
        assertThat(farthest.gap()).isEqualTo(HistoryPage.Gap.AHEAD);
        assertThat(farthest.events()).isEmpty();
    }

    @Test
    void startsAnEpochForAFreshReader() throws Exception {
        Node node = node();

        HistoryPage fresh = read(node, null);
        HistoryPage again = read(node, null);
        StreamPosition first = record(node, "first");

        assertThat(fresh.head().serial()).isZero();
        assertThat(fresh.head().epoch()).matches("[0-9a-z]{8}");
        assertThat(fresh.events()).isEmpty();
        assertThat(fresh.gap()).isNull();
        assertThat(again.head()).isEqualTo(fresh.head());
        assertThat(first).isEqualTo(fresh.head().next());
        assertThat(texts(read(node, fresh.head()))).containsExactly("first");
    }

    @Test
    void keepsAppsAndChannelsApart() throws Exception {
        Node node = node();

        record(node, "app-one", "private-a", "1", null, RULE);
        record(node, "app-one", "private-a", "2", null, RULE);
        StreamPosition otherChannel = record(node, "app-one", "private-b", "3", null, RULE);
        StreamPosition otherApp = record(node, "app-two", "private-a", "4", null, RULE);

        assertThat(otherChannel.serial()).isEqualTo(1);
        assertThat(otherApp.serial()).isEqualTo(1);
        assertThat(texts(read(node, "app-one", "private-a", null, 100, RULE)))
                .containsExactly("1", "2");
        assertThat(texts(read(node, "app-one", "private-b", null, 100, RULE))).containsExactly("3");
        assertThat(texts(read(node, "app-two", "private-a", null, 100, RULE))).containsExactly("4");
        assertThat(read(node, "app-two", "private-b", null, 100, RULE).head().serial()).isZero();
    }

    @Test
    void refusesALimitBelowOne() throws Exception {
        Node node = node();

        assertThatThrownBy(() -> node.history().read(APP, CHANNEL, null, 0, RULE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
