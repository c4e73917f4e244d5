package dev.herald.bench.stats;

import java.time.Instant;

/**
 * Wall-clock nanoseconds with {@link System#nanoTime()} resolution.
 *
 * <p>{@code nanoTime} has no defined origin, so two processes cannot compare raw values. Each
 * process instead measures once the offset between the epoch clock and {@code nanoTime} (best of a
 * few tight samples) and adds it to every reading. Within a process readings are exactly as precise
 * as {@code nanoTime}; across processes on the same host they agree to the precision of {@code
 * CLOCK_REALTIME} reads, about a microsecond.
 */
public final class Clock {
    private static final long OFFSET = measureOffset();

    private Clock() {}

    /** Epoch nanoseconds, monotonic within this process. Allocation-free. */
    public static long now() {
        return System.nanoTime() + OFFSET;
    }

    /** Converts a {@link System#nanoTime()} reading taken in this process. */
    public static long fromNanoTime(long nanoTime) {
        return nanoTime + OFFSET;
    }

    static long measureOffset() {
        long bestSpan = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 50; i++) {
            long t0 = System.nanoTime();
            Instant wall = Instant.now();
            long t1 = System.nanoTime();
            long span = t1 - t0;
            if (span < bestSpan) {
                bestSpan = span;
                long epochNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
                offset = epochNanos - (t0 + span / 2);
            }
        }
        return offset;
    }
}
