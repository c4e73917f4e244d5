package dev.herald.bench.stats;

import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Statistics owned by one event loop thread: only that thread writes, a sampler thread reads.
 *
 * <p>Counters use {@code lazySet} (an ordered store, no fence on x86) because there is one writer;
 * histograms use {@link SingleWriterRecorder}, whose interval swap is wait-free for the writer.
 * Nothing here allocates on the recording path.
 */
public final class LoopStats {
    private final AtomicLongArray counters = new AtomicLongArray(Counter.COUNT);
    private final SingleWriterRecorder latency =
            new SingleWriterRecorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);
    private final SingleWriterRecorder setup =
            new SingleWriterRecorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);
    private volatile long lastEstablished;
    private volatile long lastReady;

    /**
     * The interval histograms last handed out, given back to their recorders at the next drain: a
     * histogram for these bounds is a ~200 KB array, and allocating a few a second made the
     * generator's collection pauses show up in the latencies it measures.
     */
    private Histogram latencyInterval;

    private Histogram setupInterval;

    public void inc(Counter c) {
        int i = c.ordinal();
        counters.lazySet(i, counters.get(i) + 1);
    }

    public void add(Counter c, long delta) {
        int i = c.ordinal();
        counters.lazySet(i, counters.get(i) + delta);
    }

    public void recordLatency(long nanos) {
        latency.recordValue(Histograms.clamp(nanos));
    }

    public void recordSetup(long nanos) {
        setup.recordValue(Histograms.clamp(nanos));
    }

    public void established(long at) {
        lastEstablished = at;
    }

    public void ready(long at) {
        lastReady = at;
    }

    public void addCountersTo(long[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] += counters.get(i);
        }
    }

    /** Interval histograms since the previous call; called by one sampler thread. */
    public void drainInto(Histogram lat, Histogram set) {
        latencyInterval = latency.getIntervalHistogram(latencyInterval);
        lat.add(latencyInterval);
        setupInterval = setup.getIntervalHistogram(setupInterval);
        set.add(setupInterval);
    }

    public long lastEstablished() {
        return lastEstablished;
    }

    public long lastReady() {
        return lastReady;
    }
}
