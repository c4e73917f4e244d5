package dev.herald.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.HistoryRule;
import dev.herald.protocol.Frames;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What only the in-memory engine has: the bound on bytes across every channel, and the upkeep that
 * lets aged events and long-quiet channels go. The reading and recording rules shared with the
 * Redis engine are in {@code ChannelHistoryContract}.
 */
class LocalChannelHistoryBoundsTest {

    private static final HistoryRule RULE = new HistoryRule("", 1_000, 3_600);
    private final AtomicLong now = new AtomicLong(1_000_000);

    private static StreamPosition append(LocalChannelHistory h, String channel, int bytes) {
        ByteBuf frame = Frames.event("e", channel, "x".repeat(bytes));
        try {
            return h.append("1", channel, frame, null, RULE);
        } finally {
            frame.release();
        }
    }

    private static HistoryPage read(LocalChannelHistory h, String channel, StreamPosition since) {
        return h.read("1", channel, since, 1_000, RULE).toCompletableFuture().join();
    }

    @Test
    void pastTheBoundOnBytesTheOldestEventsOfAllChannelsGoFirst() {
        long max = 200_000;
        LocalChannelHistory h = new LocalChannelHistory(max, now::get);
        // an old quiet channel, then a busy one that writes far more than the bound
        StreamPosition quiet = append(h, "quiet", 1_000);
        for (int i = 0; i < 1_000; i++) {
            now.incrementAndGet();
            append(h, "busy", 1_000);
            assertThat(h.bytes()).isLessThanOrEqualTo(max + 2_000);
        }
        assertThat(h.evicted()).isGreaterThan(0);
        // the quiet channel's event was the oldest of all: it went first, and asking after the
        // position before it is a gap, not a silent hole
        HistoryPage page = read(h, "quiet", new StreamPosition(quiet.epoch(), 0));
        assertThat(page.gap()).isEqualTo(HistoryPage.Gap.TRIMMED);
        HistoryPage busy = read(h, "busy", null);
        assertThat(busy.events()).isNotEmpty();
        assertThat(busy.events().get(busy.events().size() - 1).position().serial())
                .isEqualTo(1_000);
        assertThat(h.events()).isEqualTo(busy.events().size());
    }

    @Test
    void everyChannelCostsSomethingSoManyEmptyChannelsAreBoundedToo() {
        long max = 100 * LocalChannelHistory.CHANNEL_OVERHEAD_BYTES;
        LocalChannelHistory h = new LocalChannelHistory(max, now::get);
        for (int i = 0; i < 10_000; i++) {
            now.incrementAndGet();
            read(h, "empty-" + i, null); // a fresh reader makes the channel's epoch
        }
        append(h, "one-more", 10);
        assertThat(h.bytes()).isLessThanOrEqualTo(max);
        assertThat(h.channels()).isLessThanOrEqualTo(100);
    }

    @Test
    void anEpochAReaderStartedGoesAfterTheRulesTtlIfNoEventCame() {
        LocalChannelHistory h = new LocalChannelHistory(1 << 20, now::get);
        HistoryRule rule = new HistoryRule("", 10, 60);
        for (int i = 0; i < 1_000; i++) {
            h.read("1", "made-up-" + i, null, 1, rule).toCompletableFuture().join();
        }
        assertThat(h.channels()).isEqualTo(1_000);
        now.addAndGet(61_000);
        append(h, "real", 10); // the append runs the sweep
        assertThat(h.channels()).isEqualTo(1);
    }

    @Test
    void agedEventsGoAtTheSweepAndAQuietChannelKeepsItsEpochForADay() {
        LocalChannelHistory h = new LocalChannelHistory(1 << 20, now::get);
        HistoryRule shortLived = new HistoryRule("", 10, 1);
        ByteBuf frame = Frames.event("e", "c", "{}");
        StreamPosition first;
        try {
            first = h.append("1", "c", frame, null, shortLived);
        } finally {
            frame.release();
        }
        now.addAndGet(20_000); // past the event's second and the sweep's period
        append(h, "other", 10);
        assertThat(h.events()).isEqualTo(1); // only "other"'s event is left
        HistoryPage page = h.read("1", "c", first, 10, shortLived).toCompletableFuture().join();
        assertThat(page.gap()).isNull(); // the client had everything: same epoch, no gap
        assertThat(page.head()).isEqualTo(first);

        now.addAndGet(LocalChannelHistory.EPOCH_KEPT_MILLIS + 20_000);
        append(h, "other", 10);
        HistoryPage later = h.read("1", "c", first, 10, shortLived).toCompletableFuture().join();
        assertThat(later.gap()).isEqualTo(HistoryPage.Gap.EPOCH);
    }
}
