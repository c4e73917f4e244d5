package dev.herald.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.BenchOptions;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.run.PhaseMark;
import dev.herald.bench.run.Point;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultReportTest {
    private static Map<String, Object> latency() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", 40_000L);
        m.put("p50", 0.41);
        m.put("p90", 0.8);
        m.put("p99", 1.9);
        m.put("p99_9", 3.2);
        m.put("max", 4.0);
        m.put("mean", 0.5);
        return m;
    }

    @Test
    void tableShowsSectionsLatencyAndErrors() {
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> measure = new LinkedHashMap<>();
        measure.put("deliveries_per_s", 40_000L);
        measure.put("loss_pct", 0.0);
        measure.put("latency_ms", latency());
        measure.put("server_cpu_us_per_delivery", Double.NaN);
        result.put("measure", measure);
        Map<String, Object> step = new LinkedHashMap<>(measure);
        step.put("rate", 20.0);
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("last_good_rate", 20.0);
        fm.put("last_good", step);
        fm.put("steps", List.of(step));
        result.put("find_max", fm);
        result.put("errors", Map.of("pusher:error 4301: rate limit", 3L));
        String table = ResultReport.table(Scenario.FANOUT, result);
        assertThat(table)
                .contains("deliveries_per_s")
                .contains("40,000")
                .contains("p50 0.41  p90 0.8  p99 1.9  p99.9 3.2  max 4.0 ms  (n=40,000)")
                .contains("last_good_rate")
                .contains("steps:")
                .contains("3: pusher:error 4301");
    }

    @Test
    void chartFromATimeline() {
        BenchConfig cfg = BenchConfig.resolve(Scenario.IDLE, new BenchOptions());
        List<Point> timeline =
                List.of(
                        new Point(1, "setup", 5000, 5000, 0, 1, 2, 3, 4, 5, 100, 50, 200, 40),
                        new Point(
                                2,
                                "hold",
                                15000,
                                10000,
                                0,
                                Double.NaN,
                                Double.NaN,
                                Double.NaN,
                                Double.NaN,
                                Double.NaN,
                                0,
                                1,
                                210,
                                1));
        String svg =
                ResultReport.chart(
                        Scenario.IDLE,
                        cfg,
                        "now",
                        timeline,
                        List.of(new PhaseMark(0, "setup"), new PhaseMark(1.5, "hold")));
        assertThat(svg)
                .startsWith("<?xml")
                .contains("herald-bench idle")
                .contains("open connections")
                .contains(">hold<");
    }
}
