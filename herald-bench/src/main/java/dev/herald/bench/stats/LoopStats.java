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

    // reconnect-storm only: created on first use, so other scenarios drain nothing more
    private volatile SingleWriterRecorder back;
    private volatile SingleWriterRecorder resubscribed;
    private volatile long lastBack;
    private Histogram backInterval;
    private Histogram resubscribedInterval;

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

    /** reconnect-storm: a moved client is back {@code nanos} after the storm, at {@code at}. */
    public void recordBack(long nanos, long at) {
        SingleWriterRecorder r = back;
        if (r == null) {
            back = r = new SingleWriterRecorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);
        }
        r.recordValue(Histograms.clamp(nanos));
        lastBack = Math.max(lastBack, at);
    }

    /** reconnect-storm: a moved client subscribed again to all its channels. */
    public void recordResubscribed(long nanos) {
        SingleWriterRecorder r = resubscribed;
        if (r == null) {
            resubscribed = r = new SingleWriterRecorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);
        }
        r.recordValue(Histograms.clamp(nanos));
    }

    public long lastBack() {
        return lastBack;
    }

    /** reconnect-storm histograms since the previous call, into {@code b} and {@code r}. */
    public void drainStormInto(Histogram b, Histogram r) {
        SingleWriterRecorder br = back;
        if (br != null) {
            backInterval = br.getIntervalHistogram(backInterval);
            b.add(backInterval);
        }
        SingleWriterRecorder rr = resubscribed;
        if (rr != null) {
            resubscribedInterval = rr.getIntervalHistogram(resubscribedInterval);
            r.add(resubscribedInterval);
        }
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
