package dev.herald.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HistogramsTest {
    @Test
    void encodedHistogramsFromSeveralProcessesMergeExactly() {
        Random r = new Random(1);
        Histogram all = Histograms.create();
        Histogram[] parts = {Histograms.create(), Histograms.create(), Histograms.create()};
        for (int i = 0; i < 30_000; i++) {
            long v = 50_000 + (long) (Math.abs(r.nextGaussian()) * 2_000_000);
            all.recordValue(v);
            parts[i % parts.length].recordValue(v);
        }
        Histogram merged = Histograms.create();
        for (Histogram p : parts) {
            merged.add(Histograms.decode(Histograms.encode(p)));
        }
        assertThat(merged.getTotalCount()).isEqualTo(all.getTotalCount());
        for (double q : new double[] {50, 90, 99, 99.9, 100}) {
            assertThat(merged.getValueAtPercentile(q)).isEqualTo(all.getValueAtPercentile(q));
        }
        assertThat(merged.getMaxValue()).isEqualTo(all.getMaxValue());
    }

    @Test
    void emptyHistogramRoundTrips() {
        assertThat(Histograms.decode(Histograms.encode(Histograms.create())).getTotalCount())
                .isZero();
    }

    @Test
    void clampsOutOfRangeValues() {
        assertThat(Histograms.clamp(-5)).isEqualTo(1);
        assertThat(Histograms.clamp(Long.MAX_VALUE)).isEqualTo(Histograms.MAX_NANOS);
        Histograms.create().recordValue(Histograms.clamp(Long.MAX_VALUE));
    }

    @Test
    void snapshotsMergeCountersHistogramsAndTimes() {
        Snapshot a = new Snapshot();
        a.counters[Counter.DELIVERED.ordinal()] = 10;
        a.latency.recordValue(1000);
        a.firstConnect = 500;
        a.lastEstablished = 900;
        Snapshot b = new Snapshot();
        b.counters[Counter.DELIVERED.ordinal()] = 5;
        b.counters[Counter.OPEN.ordinal()] = -1;
        b.latency.recordValue(3000);
        b.firstConnect = 400;
        b.lastEstablished = 1000;
        a.merge(b);
        assertThat(a.get(Counter.DELIVERED)).isEqualTo(15);
        assertThat(a.get(Counter.OPEN)).isEqualTo(-1);
        assertThat(a.latency.getTotalCount()).isEqualTo(2);
        assertThat(a.firstConnect).isEqualTo(400);
        assertThat(a.lastEstablished).isEqualTo(1000);
    }

    @Test
    void loopStatsHandOutIntervalsOnce() {
        LoopStats s = new LoopStats();
        s.recordLatency(2_000_000);
        s.inc(Counter.DELIVERED);
        Histogram lat = Histograms.create();
        Histogram setup = Histograms.create();
        s.drainInto(lat, setup);
        assertThat(lat.getTotalCount()).isEqualTo(1);
        Histogram again = Histograms.create();
        s.drainInto(again, setup);
        assertThat(again.getTotalCount()).isZero();
        // the interval histograms are recycled between drains: nothing of an earlier interval
        // returns
        s.recordLatency(3_000_000);
        s.recordLatency(4_000_000);
        Histogram third = Histograms.create();
        s.drainInto(third, setup);
        assertThat(third.getTotalCount()).isEqualTo(2);
        assertThat(third.getMinValue()).isGreaterThan(2_500_000);
        long[] c = new long[Counter.COUNT];
        s.addCountersTo(c);
        assertThat(c[Counter.DELIVERED.ordinal()]).isEqualTo(1);
    }
}
