package dev.herald.bench.client;

import java.util.Arrays;

/**
 * Finds publications a churn subscriber missed. Publish {@code s} of the run goes to public channel
 * {@code s mod P} (the HTTP publisher's round-robin), so the publications of one channel are {@code
 * P} apart in sequence; a larger step between two a subscriber received means it missed the ones
 * between, although it was subscribed before and after them. Nothing is said about the publications
 * before the first or after the last one received: a connection comes and goes. One instance per
 * connection, used on its event loop.
 */
final class SequenceGaps {
    /** What one received publication tells. */
    enum Verdict {
        IN_ORDER,
        GAP,
        OUT_OF_ORDER
    }

    private final long stride;
    private final long[] last;
    private long missed;

    SequenceGaps(int channels, int stride) {
        this.stride = Math.max(1, stride);
        this.last = new long[channels];
        Arrays.fill(last, -1);
    }

    /** Publication {@code seq} arrived on this connection's channel {@code j}. */
    Verdict received(int j, long seq) {
        long prev = last[j];
        if (prev >= 0 && seq <= prev) {
            return Verdict.OUT_OF_ORDER;
        }
        last[j] = seq;
        long gap = prev < 0 ? 0 : (seq - prev) / stride - 1;
        if (gap > 0) {
            missed += gap;
            return Verdict.GAP;
        }
        return Verdict.IN_ORDER;
    }

    /** Publications missed so far (the sum of the gaps). */
    long missed() {
        return missed;
    }
}
