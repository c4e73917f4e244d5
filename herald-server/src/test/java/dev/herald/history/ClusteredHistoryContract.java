package dev.herald.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.broker.RecordingListener;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What a {@link ChannelHistory} shared by nodes does on top of {@link ChannelHistoryContract}:
 * every call of {@link #node} is another node of the same cluster. Extended by {@code
 * RedisChannelHistoryTest}.
 */
public abstract class ClusteredHistoryContract extends ChannelHistoryContract {

    /** Loses the channel's history as a Redis restarted without persistence would. */
    protected abstract void loseHistory(String appId, String channel) throws Exception;

    private static List<Long> serials(RecordingListener listener) {
        return listener.publications.stream().map(p -> p.position().serial()).toList();
    }

    /** Where a list of serials first goes out of order, for the failure message. */
    private static String firstDisorder(List<Long> serials) {
        for (int i = 1; i < serials.size(); i++) {
            if (serials.get(i) != serials.get(i - 1) + 1) {
                return "after "
                        + serials.subList(Math.max(0, i - 3), i)
                        + " came "
                        + serials.subList(i, Math.min(serials.size(), i + 3));
            }
        }
        return "in order";
    }

    @Test
    void givesEveryNodeTheSamePositions() throws Exception {
        List<Node> nodes = List.of(node(), node(), node());
        for (Node node : nodes) {
            subscribe(node, APP, CHANNEL);
        }
        List<StreamPosition> positions = new ArrayList<>();

        for (int i = 0; i < 6; i++) {
            positions.add(record(nodes.get(i % 2), "event " + i));
        }

        String epoch = positions.get(0).epoch();
        for (int i = 0; i < 6; i++) {
            assertThat(positions.get(i)).isEqualTo(new StreamPosition(epoch, i + 1));
        }
        for (Node node : nodes) {
            await().atMost(WITHIN).until(() -> node.listener().publications.size() == 6);
            assertThat(node.listener().publications)
                    .extracting(RecordingListener.Received::position)
                    .isEqualTo(positions);
            assertThat(node.listener().texts(APP, CHANNEL))
                    .containsExactly(
                            "event 0", "event 1", "event 2", "event 3", "event 4", "event 5");
        }
    }

    @Test
    void deliversConcurrentRecordingsInPositionOrderOnEveryNode() throws Exception {
        List<Node> nodes = List.of(node(), node(), node());
        for (Node node : nodes) {
            subscribe(node, APP, CHANNEL);
        }
        int each = 300;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<List<StreamPosition>>> publishers = new ArrayList<>();

        for (int p = 0; p < 2; p++) {
            Node publisher = nodes.get(p);
            String name = "node " + p;
            publishers.add(
                    CompletableFuture.supplyAsync(
                            () -> {
                                List<CompletableFuture<StreamPosition>> sent = new ArrayList<>();
                                try {
                                    start.await();
                                    for (int i = 0; i < each; i++) {
                                        EncodedEvent event = event(name + " " + i);
                                        try {
                                            sent.add(
                                                    publisher
                                                            .broker()
                                                            .publishRecorded(
                                                                    APP, CHANNEL, event, null, RULE)
                                                            .toCompletableFuture());
                                        } finally {
                                            event.release();
                                        }
                                    }
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                                return sent.stream().map(CompletableFuture::join).toList();
                            }));
        }
        start.countDown();

        List<List<StreamPosition>> recorded =
                publishers.stream()
                        .map(f -> f.orTimeout(WITHIN.toMillis(), TimeUnit.MILLISECONDS).join())
                        .toList();
        List<Long> everySerial = new ArrayList<>();
        for (long s = 1; s <= 2 * each; s++) {
            everySerial.add(s);
        }
        for (int n = 0; n < nodes.size(); n++) {
            Node node = nodes.get(n);
            await().atMost(WITHIN).until(() -> node.listener().publications.size() >= 2 * each);
            List<Long> got = serials(node.listener());
            assertThat(got).as("node %d: %s", n, firstDisorder(got)).isEqualTo(everySerial);
            // and each publisher's events in the order it published them
            for (int p = 0; p < 2; p++) {
                String name = "node " + p + " ";
                assertThat(
                                node.listener().texts(APP, CHANNEL).stream()
                                        .filter(t -> t.startsWith(name)))
                        .containsExactlyElementsOf(
                                IntStream.range(0, each).mapToObj(i -> name + i).toList());
            }
        }
        for (int p = 0; p < 2; p++) {
            assertThat(recorded.get(p)).extracting(StreamPosition::serial).isSorted();
        }
        HistoryPage page = read(nodes.get(2), null);
        assertThat(serials(page)).hasSize(RULE.size());
        assertThat(page.head().serial()).isEqualTo(2 * each);
    }

    @Test
    void readsOnAnyNodeWhatAnotherRecorded() throws Exception {
        Node writer = node();
        Node reader = node();

        StreamPosition first = record(writer, APP, CHANNEL, "first", "123.456", RULE);
        record(writer, "second");

        HistoryPage page = read(reader, null);
        assertThat(texts(page)).containsExactly("first", "second");
        assertThat(page.events().get(0).position()).isEqualTo(first);
        assertThat(page.events().get(0).excludeSocketId()).isEqualTo("123.456");
        assertThat(texts(read(reader, first))).containsExactly("second");
    }

    @Test
    void recordsInTheEpochAFreshReaderStartedOnAnotherNode() throws Exception {
        Node reader = node();
        Node writer = node();

        HistoryPage fresh = read(reader, null);
        StreamPosition first = record(writer, "first");

        assertThat(first).isEqualTo(fresh.head().next());
        assertThat(texts(read(reader, fresh.head()))).containsExactly("first");
    }

    @Test
    void startsANewEpochOnceTheHistoryIsLost() throws Exception {
        Node a = node();
        Node b = node();
        record(a, "before 1");
        StreamPosition before = record(a, "before 2");

        loseHistory(APP, CHANNEL);
        StreamPosition after = record(b, "after");

        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        assertThat(after.serial()).isEqualTo(1);
        HistoryPage old = read(a, before);
        assertThat(old.gap()).isEqualTo(HistoryPage.Gap.EPOCH);
        assertThat(old.head()).isEqualTo(after);
        assertThat(texts(read(a, null))).containsExactly("after");
    }
}
