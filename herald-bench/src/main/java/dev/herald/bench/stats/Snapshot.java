package dev.herald.bench.stats;

import org.HdrHistogram.Histogram;

/**
 * What a worker reports: cumulative counters, plus histograms of what was recorded since the
 * previous snapshot. Snapshots from several workers (threads or processes) merge by addition.
 */
public final class Snapshot {
    public final long[] counters;

    /** Delivery latency, or the scenario's main latency (join, cycle setup), nanoseconds. */
    public final Histogram latency;

    /** Connect start to {@code pusher:connection_established}, nanoseconds. */
    public final Histogram setup;

    /** Clock.now() of the first connect started, or Long.MAX_VALUE if none. */
    public long firstConnect = Long.MAX_VALUE;

    /** Clock.now() of the last connection_established seen, or 0. */
    public long lastEstablished;

    /** Clock.now() of the last connection that became ready (all subscriptions), or 0. */
    public long lastReady;

    /**
     * reconnect-storm only (else null): storm → back and storm → re-subscribed of the moved clients
     * since the previous snapshot, nanoseconds.
     */
    public Histogram back;

    public Histogram resubscribed;

    /** reconnect-storm: Clock.now() of the last moved client back within the timeout, or 0. */
    public long lastBack;

    public Snapshot() {
        this(new long[Counter.COUNT], Histograms.create(), Histograms.create());
    }

    public Snapshot(long[] counters, Histogram latency, Histogram setup) {
        this.counters = counters;
        this.latency = latency;
        this.setup = setup;
    }

    public long get(Counter c) {
        return counters[c.ordinal()];
    }

    /** Adds another snapshot into this one. */
    public Snapshot merge(Snapshot o) {
        for (int i = 0; i < counters.length; i++) {
            counters[i] += o.counters[i];
        }
        latency.add(o.latency);
        setup.add(o.setup);
        firstConnect = Math.min(firstConnect, o.firstConnect);
        lastEstablished = Math.max(lastEstablished, o.lastEstablished);
        lastReady = Math.max(lastReady, o.lastReady);
        lastBack = Math.max(lastBack, o.lastBack);
        if (o.back != null) {
            if (back == null) {
                back = Histograms.create();
                resubscribed = Histograms.create();
            }
            back.add(o.back);
            resubscribed.add(o.resubscribed);
        }
        return this;
    }
}
