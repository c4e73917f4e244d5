package dev.herald.bench.run;

import dev.herald.bench.http.PublisherSnapshot;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.Histograms;
import org.HdrHistogram.Histogram;

/** Everything recorded between a phase's start and end: histograms and counter deltas. */
public final class PhaseStats {
    public final String name;
    public final double startT;
    public double endT;
    public final Histogram latency = Histograms.create();
    public final Histogram setup = Histograms.create();
    public final Histogram rtt = Histograms.create();
    public final Histogram lag = Histograms.create();
    private final long[] c0;
    private long[] c1;
    private final long[] p0;
    private long[] p1;
    private final double serverCpu0;
    private double serverCpu1;
    private final double genCpu0;
    private double genCpu1;
    private final long wall0;
    private long wall1;

    PhaseStats(
            String name,
            double startT,
            long[] counters,
            long[] pub,
            double serverCpu,
            double genCpu) {
        this.name = name;
        this.startT = startT;
        this.c0 = counters.clone();
        this.p0 = pub.clone();
        this.serverCpu0 = serverCpu;
        this.genCpu0 = genCpu;
        this.wall0 = System.nanoTime();
    }

    void end(double endT, long[] counters, long[] pub, double serverCpu, double genCpu) {
        this.endT = endT;
        this.c1 = counters.clone();
        this.p1 = pub.clone();
        this.serverCpu1 = serverCpu;
        this.genCpu1 = genCpu;
        this.wall1 = System.nanoTime();
    }

    public long delta(Counter c) {
        return c1[c.ordinal()] - c0[c.ordinal()];
    }

    /** Counter value at the end of the phase. */
    public long at(Counter c) {
        return c1[c.ordinal()];
    }

    public long published() {
        return p1[1] - p0[1];
    }

    public long sent() {
        return p1[0] - p0[0];
    }

    public long publishFailed() {
        return p1[2] - p0[2];
    }

    public long publishIoErrors() {
        return p1[3] - p0[3];
    }

    public long expected() {
        return p1[4] - p0[4];
    }

    public double seconds() {
        return (wall1 - wall0) / 1e9;
    }

    /** Server CPU seconds in the phase, or NaN without --server-pid. */
    public double serverCpu() {
        return serverCpu0 < 0 || serverCpu1 < 0 ? Double.NaN : serverCpu1 - serverCpu0;
    }

    public double generatorCpu() {
        return genCpu0 < 0 || genCpu1 < 0 ? Double.NaN : genCpu1 - genCpu0;
    }

    static long[] pubCounts(PublisherSnapshot p) {
        return p == null
                ? new long[5]
                : new long[] {p.sent(), p.ok(), p.failed(), p.ioErrors(), p.expected()};
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0
                ? Double.NaN
                : Histograms.ms(h.getValueAtPercentile(percentile));
    }
}
