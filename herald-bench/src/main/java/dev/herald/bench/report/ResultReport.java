package dev.herald.bench.report;

import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.run.PhaseMark;
import dev.herald.bench.run.Point;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The final table printed to the terminal, and the chart written next to the JSON. */
public final class ResultReport {
    private ResultReport() {}

    public static String table(Scenario scenario, Map<String, Object> result) {
        StringBuilder sb = new StringBuilder();
        sb.append("== herald-bench ").append(scenario.cliName).append(" ==\n");
        for (String section :
                new String[] {
                    "setup",
                    "server_memory",
                    "measure",
                    "hold",
                    "find_max",
                    "soak",
                    "storm",
                    "unmoved"
                }) {
            Object v = result.get(section);
            if (v instanceof Map<?, ?> m) {
                sb.append(section).append('\n');
                section(sb, m, "  ");
            }
        }
        Object errors = result.get("errors");
        if (errors instanceof Map<?, ?> e && !e.isEmpty()) {
            sb.append("errors (count: message)\n");
            int n = 0;
            for (Map.Entry<?, ?> x : e.entrySet()) {
                if (n++ == 10) {
                    sb.append("  ... ").append(e.size() - 10).append(" more kinds in the JSON\n");
                    break;
                }
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "  %,8d: %s%n",
                                ((Number) x.getValue()).longValue(),
                                x.getKey()));
            }
        }
        return sb.toString();
    }

    private static void section(StringBuilder sb, Map<?, ?> m, String indent) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (key.equals("steps") && v instanceof List<?> steps) {
                sb.append(indent).append("steps:\n");
                sb.append(indent)
                        .append(
                                String.format(
                                        Locale.ROOT,
                                        "  %10s %14s %9s %9s %9s %9s %10s%n",
                                        "pub/s",
                                        "deliveries/s",
                                        "loss %",
                                        "p50 ms",
                                        "p99 ms",
                                        "max ms",
                                        "srv us/dlv"));
                for (Object o : steps) {
                    Map<?, ?> s = (Map<?, ?>) o;
                    Map<?, ?> lat = (Map<?, ?>) s.get("latency_ms");
                    sb.append(indent)
                            .append(
                                    String.format(
                                            Locale.ROOT,
                                            "  %10s %,14d %9s %9s %9s %9s %10s%n",
                                            s.get("rate"),
                                            ((Number) s.get("deliveries_per_s")).longValue(),
                                            s.get("loss_pct"),
                                            val(lat, "p50"),
                                            val(lat, "p99"),
                                            val(lat, "max"),
                                            val(s, "server_cpu_us_per_delivery")));
                }
            } else if (key.equals("last_good")) {
                continue;
            } else if (v instanceof Map<?, ?> sub && sub.containsKey("count")) {
                sb.append(String.format(Locale.ROOT, "%s%-34s %s%n", indent, key, latency(sub)));
            } else if (v instanceof Map<?, ?> sub) {
                sb.append(indent).append(key).append(":\n");
                section(sb, sub, indent + "  ");
            } else {
                sb.append(String.format(Locale.ROOT, "%s%-34s %s%n", indent, key, fmt(v)));
            }
        }
    }

    private static Object val(Map<?, ?> m, String k) {
        Object v = m == null ? null : m.get(k);
        return v == null ? "-" : v;
    }

    private static String latency(Map<?, ?> m) {
        if (((Number) m.get("count")).longValue() == 0) {
            return "(none)";
        }
        return String.format(
                Locale.ROOT,
                "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  (n=%,d)",
                m.get("p50"),
                m.get("p90"),
                m.get("p99"),
                m.get("p99_9"),
                m.get("max"),
                ((Number) m.get("count")).longValue());
    }

    private static String fmt(Object v) {
        if (v instanceof Long || v instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
        }
        if (v instanceof Double d) {
            if (d.isNaN()) {
                return "-";
            }
            return Math.abs(d) >= 1000 ? String.format(Locale.ROOT, "%,.1f", d) : String.valueOf(d);
        }
        return String.valueOf(v);
    }

    public static String chart(
            Scenario scenario,
            BenchConfig cfg,
            String startedAt,
            List<Point> timeline,
            List<PhaseMark> marks) {
        int n = timeline.size();
        double[] x = new double[n];
        double[] p50 = new double[n];
        double[] p90 = new double[n];
        double[] p99 = new double[n];
        double[] p999 = new double[n];
        double[] max = new double[n];
        double[] thr = new double[n];
        double[] sec = new double[n];
        for (int i = 0; i < n; i++) {
            Point p = timeline.get(i);
            x[i] = p.t();
            p50[i] = p.p50();
            p90[i] = p.p90();
            p99[i] = p.p99();
            p999[i] = p.p999();
            max[i] = p.max();
            thr[i] = p.throughput();
            sec[i] = scenario == Scenario.IDLE ? p.open() : p.secondary();
        }
        String[] labels = labels(scenario);
        String subtitle =
                String.format(
                        Locale.ROOT,
                        "%s:%s, %,d connections, %d channels, rate %s, payload %d B, %s",
                        cfg.host(),
                        cfg.portsText(),
                        cfg.connections(),
                        cfg.channels(),
                        cfg.findMax() ? "find-max" : String.valueOf(cfg.rate()),
                        cfg.payload(),
                        startedAt);
        SvgChart chart =
                new SvgChart("herald-bench " + scenario.cliName, subtitle, x)
                        .latency(
                                labels[2] + " latency per second (ms, log scale)",
                                new SvgChart.Series("p50", "#1f77b4", false, p50),
                                new SvgChart.Series("p90", "#2ca02c", false, p90),
                                new SvgChart.Series("p99", "#ff7f0e", false, p99),
                                new SvgChart.Series("p99.9", "#d62728", false, p999),
                                new SvgChart.Series("max", "#7f7f7f", true, max))
                        .left(labels[0], new SvgChart.Series(labels[0], "#1f77b4", false, thr));
        if (!labels[1].isEmpty()) {
            chart.right(labels[1], new SvgChart.Series(labels[1], "#9467bd", true, sec));
        }
        for (PhaseMark m : marks) {
            chart.marker(m.t(), m.name());
        }
        return chart.render();
    }

    /** Names of the main rate, the secondary rate and the latency, per scenario. */
    public static String[] labels(Scenario s) {
        switch (s) {
            case FANOUT:
                return new String[] {"deliveries/s", "publishes/s", "publish-to-receive"};
            case CLIENT_EVENTS:
                return new String[] {"deliveries/s", "client events sent/s", "send-to-receive"};
            case TRIGGER:
                return new String[] {"requests/s", "failed/s", "HTTP round-trip"};
            case IDLE:
                return new String[] {"new connections/s", "open connections", "connect"};
            case CHURN:
                return new String[] {"cycles/s", "connects/s", "connect+subscribe"};
            case PRESENCE:
                return new String[] {"joins/s", "member events/s", "join"};
            case RECONNECT_STORM:
                return new String[] {
                    "deliveries/s (clients not moved)", "moved clients back/s", "publish-to-receive"
                };
            default:
                return new String[] {"", "", ""};
        }
    }
}
