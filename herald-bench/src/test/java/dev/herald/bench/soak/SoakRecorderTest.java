package dev.herald.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.herald.bench.soak.SoakRecorder.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakRecorderTest {
    private static Sample s(double t, String phase, long rss, long files, long heap) {
        return new Sample(t, phase, 0, 0, rss, files, heap);
    }

    @Test
    void slopeIsTheLeastSquaresLinePerHourOverTheRunSamplesAfterWarmup() {
        List<Sample> samples = new ArrayList<>();
        samples.add(s(0, SoakRecorder.START, 100, 20, 1_000_000));
        for (int i = 1; i <= 10; i++) {
            double t = i * 60;
            // heap grows 1,000 bytes a minute (60,000/h) with alternating noise; before 180 s it
            // jumps
            long heap = 2_000_000 + 1000L * i + (i % 2 == 0 ? 50 : -50) + (t < 180 ? 5_000_000 : 0);
            samples.add(s(t, SoakRecorder.RUN, 200, 100, heap));
        }
        samples.add(s(700, SoakRecorder.END, 300, 20, 9_000_000));
        List<Sample> fit = SoakRecorder.afterWarmup(samples, 180);
        assertThat(fit)
                .hasSize(8)
                .allMatch(x -> x.phase().equals(SoakRecorder.RUN) && x.t() >= 180);
        assertThat(SoakRecorder.slopePerHour(fit, Sample::liveHeapBytes))
                .isCloseTo(60_000, within(2_000.0));
        assertThat(SoakRecorder.slopePerHour(fit, Sample::openFiles)).isZero();
        assertThat(SoakRecorder.slopePerHour(fit.subList(0, 1), Sample::openFiles)).isNaN();

        Map<String, Object> summary = SoakRecorder.summary(samples, 180, 60);
        assertThat(summary.get("samples_fitted")).isEqualTo(8);
        assertThat(summary.get("live_heap_end_minus_start_bytes")).isEqualTo(8_000_000L);
        assertThat(summary.get("open_files_end_minus_start")).isEqualTo(0L);
    }

    @Test
    void csvHasAHeaderAndOneLinePerSample() {
        String csv =
                SoakRecorder.csv(
                        List.of(
                                s(0, SoakRecorder.START, 1, 2, 3),
                                s(30.04, SoakRecorder.RUN, 4, 5, 6)));
        assertThat(csv.split("\n"))
                .containsExactly(
                        "t_s,phase,open_connections,cycles,server_rss_bytes,server_open_files,server_live_heap_bytes",
                        "0.0,start,0,0,1,2,3",
                        "30.0,run,0,0,4,5,6");
    }

    @Test
    void liveHeapIsTheTotalOfTheClassHistogram() {
        String out =
                "12345:\n num     #instances         #bytes  class name (module)\n"
                        + "-------------------------------------------------------\n"
                        + "   1:         20442        1757312  [B (java.base@17.0.15)\n"
                        + "Total        196344       13083168\n";
        assertThat(ServerProbe.parseHistogramTotal(out)).isEqualTo(13_083_168L);
        assertThat(
                        ServerProbe.parseHistogramTotal(
                                "12345:\ncom.sun.tools.attach.AttachNotSupportedException"))
                .isEqualTo(-1);
    }

    @Test
    void probeReadsThisProcess() throws Exception {
        ServerProbe self = new ServerProbe(ProcessHandle.current().pid());
        assertThat(self.rssBytes()).isPositive();
        assertThat(self.openFiles()).isPositive();
        assertThat(self.liveHeapBytes()).isPositive();
    }

    @Test
    void chartHasAPanelPerSeriesWithItsSlope() {
        List<Sample> samples =
                List.of(
                        s(0, SoakRecorder.START, 100 << 20, 20, 10 << 20),
                        s(60, SoakRecorder.RUN, 120 << 20, 90, 11 << 20),
                        s(120, SoakRecorder.RUN, 120 << 20, 95, 11 << 20),
                        s(180, SoakRecorder.RUN, 120 << 20, 90, 11 << 20),
                        s(200, SoakRecorder.END, 121 << 20, 20, 10 << 20));
        String svg = SoakChart.render("t", "sub", samples, 60);
        assertThat(svg)
                .startsWith("<svg")
                .contains(
                        "live heap after a full GC (MB)",
                        "RSS (MB)",
                        "open files",
                        "slope after warm-up: +0.00 MB/h",
                        "slope after warm-up: +0.00/h")
                .endsWith("</svg>\n");
    }
}
