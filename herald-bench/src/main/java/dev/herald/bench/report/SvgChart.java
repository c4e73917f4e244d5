package dev.herald.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A two-panel SVG chart written by hand: latency percentiles over time (log scale) above,
 * throughput over time below (left axis, with an optional second series on the right axis).
 * Vertical lines mark phase starts. NaN values leave gaps.
 */
public final class SvgChart {
    /** A named series of y values aligned with the x values. */
    public record Series(String name, String color, boolean dashed, double[] y) {}

    /** A vertical marker. */
    public record Marker(double x, String label) {}

    private static final int WIDTH = 980;
    private static final int LEFT = 78;
    private static final int RIGHT = 86;
    private static final int TOP_PANEL_Y = 64;
    private static final int PANEL_H = 230;
    private static final int GAP = 70;

    private final String title;
    private final String subtitle;
    private final double[] x;
    private final List<Series> latency = new ArrayList<>();
    private final List<Series> left = new ArrayList<>();
    private final List<Series> right = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private String latencyLabel = "latency (ms, log scale)";
    private String leftLabel = "";
    private String rightLabel = "";

    public SvgChart(String title, String subtitle, double[] x) {
        this.title = title;
        this.subtitle = subtitle;
        this.x = x;
    }

    public SvgChart latency(String axisLabel, Series... series) {
        latencyLabel = axisLabel;
        latency.addAll(List.of(series));
        return this;
    }

    public SvgChart left(String axisLabel, Series... series) {
        leftLabel = axisLabel;
        left.addAll(List.of(series));
        return this;
    }

    public SvgChart right(String axisLabel, Series... series) {
        rightLabel = axisLabel;
        right.addAll(List.of(series));
        return this;
    }

    public SvgChart marker(double at, String label) {
        markers.add(new Marker(at, label));
        return this;
    }

    public String render() {
        int height = TOP_PANEL_Y + PANEL_H + GAP + PANEL_H + 60;
        int plotW = WIDTH - LEFT - RIGHT;
        double xMax = 1;
        for (double v : x) {
            xMax = Math.max(xMax, v);
        }
        StringBuilder sb = new StringBuilder(32 * 1024);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                        WIDTH,
                        height,
                        WIDTH,
                        height));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
                        WIDTH,
                        height));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                        LEFT,
                        esc(title)));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"42\" fill=\"#555\">%s</text>%n",
                        LEFT,
                        esc(subtitle)));

        // Top panel: latency, log scale.
        int top = TOP_PANEL_Y;
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Series s : latency) {
            for (double v : s.y()) {
                if (v > 0 && !Double.isNaN(v) && !Double.isInfinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (hi == 0) {
            lo = 0.1;
            hi = 10;
        }
        double logLo = Math.floor(Math.log10(Math.max(lo, 1e-3)));
        double logHi = Math.ceil(Math.log10(hi));
        if (logHi <= logLo) {
            logHi = logLo + 1;
        }
        frame(sb, top, plotW, latencyLabel);
        for (double d = logLo; d <= logHi + 1e-9; d++) {
            double y = top + PANEL_H - (d - logLo) / (logHi - logLo) * PANEL_H;
            gridY(sb, y, plotW, fmtMs(Math.pow(10, d)), LEFT - 6, "end");
        }
        xAxis(sb, top + PANEL_H, plotW, xMax, false);
        final double fLogLo = logLo;
        final double fLogHi = logHi;
        for (Series s : latency) {
            polyline(
                    sb,
                    s,
                    xMax,
                    plotW,
                    v ->
                            v > 0
                                    ? top
                                            + PANEL_H
                                            - (Math.log10(v) - fLogLo) / (fLogHi - fLogLo) * PANEL_H
                                    : Double.NaN);
        }
        legend(sb, latency, top - 8);

        // Bottom panel: throughput.
        int bottom = top + PANEL_H + GAP;
        frame(sb, bottom, plotW, leftLabel);
        double leftMax = niceCeil(max(left));
        double rightMax = niceCeil(max(right));
        for (int i = 0; i <= 4; i++) {
            double y = bottom + PANEL_H - i / 4.0 * PANEL_H;
            gridY(sb, y, plotW, fmtNum(leftMax * i / 4.0), LEFT - 6, "end");
            if (!right.isEmpty()) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"start\" fill=\"#555\">%s</text>%n",
                                LEFT + plotW + 6,
                                y + 4,
                                esc(fmtNum(rightMax * i / 4.0))));
            }
        }
        if (!right.isEmpty()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text transform=\"translate(%d,%d) rotate(90)\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                            WIDTH - 12,
                            bottom + PANEL_H / 2,
                            esc(rightLabel)));
        }
        xAxis(sb, bottom + PANEL_H, plotW, xMax, true);
        for (Series s : left) {
            polyline(sb, s, xMax, plotW, v -> bottom + PANEL_H - v / leftMax * PANEL_H);
        }
        for (Series s : right) {
            polyline(sb, s, xMax, plotW, v -> bottom + PANEL_H - v / rightMax * PANEL_H);
        }
        List<Series> bottomLegend = new ArrayList<>(left);
        bottomLegend.addAll(right);
        legend(sb, bottomLegend, bottom - 8);

        for (Marker m : markers) {
            double mx = LEFT + m.x() / xMax * plotW;
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"2,3\"/>%n",
                            mx,
                            top,
                            mx,
                            bottom + PANEL_H));
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" fill=\"#777\" font-size=\"10\">%s</text>%n",
                            mx + 3,
                            bottom + PANEL_H + 34,
                            esc(m.label())));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private interface Scale {
        double y(double v);
    }

    private void polyline(StringBuilder sb, Series s, double xMax, int plotW, Scale scale) {
        StringBuilder pts = new StringBuilder();
        int n = Math.min(x.length, s.y().length);
        for (int i = 0; i <= n; i++) {
            double v = i < n ? s.y()[i] : Double.NaN;
            double py = Double.isNaN(v) || Double.isInfinite(v) ? Double.NaN : scale.y(v);
            if (Double.isNaN(py)) {
                flush(sb, s, pts);
                continue;
            }
            double px = LEFT + x[i] / xMax * plotW;
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        flush(sb, s, pts);
    }

    private static void flush(StringBuilder sb, Series s, StringBuilder pts) {
        if (pts.length() == 0) {
            return;
        }
        String p = pts.toString().trim();
        if (!p.contains(" ")) {
            String[] xy = p.split(",");
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<circle cx=\"%s\" cy=\"%s\" r=\"2\" fill=\"%s\"/>%n",
                            xy[0],
                            xy[1],
                            s.color()));
        } else {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"%s\"/>%n",
                            s.color(),
                            s.dashed() ? " stroke-dasharray=\"5,3\"" : "",
                            p));
        }
        pts.setLength(0);
    }

    private static void frame(StringBuilder sb, int top, int plotW, String label) {
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
                        LEFT,
                        top,
                        plotW,
                        PANEL_H));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                        top + PANEL_H / 2,
                        esc(label)));
    }

    private static void gridY(
            StringBuilder sb, double y, int plotW, String label, int labelX, String anchor) {
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>%n",
                        LEFT,
                        y,
                        LEFT + plotW,
                        y));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#333\">%s</text>%n",
                        labelX,
                        y + 4,
                        anchor,
                        esc(label)));
    }

    private static void xAxis(StringBuilder sb, int y, int plotW, double xMax, boolean title) {
        double step = niceStep(xMax / 8);
        for (double t = 0; t <= xMax + 1e-9; t += step) {
            double px = LEFT + t / xMax * plotW;
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>%n",
                            px,
                            y,
                            px,
                            y + 4));
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                            px,
                            y + 16,
                            fmtNum(t)));
        }
        if (title) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">time (s)</text>%n",
                            LEFT + plotW / 2,
                            y + 50));
        }
    }

    private static void legend(StringBuilder sb, List<Series> series, int y) {
        int x = LEFT;
        for (Series s : series) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                            x,
                            y - 4,
                            x + 18,
                            y - 4,
                            s.color(),
                            s.dashed() ? " stroke-dasharray=\"5,3\"" : ""));
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>%n",
                            x + 22,
                            y,
                            esc(s.name())));
            x += 30 + 7 * s.name().length() + 12;
        }
    }

    private static double max(List<Series> series) {
        double m = 0;
        for (Series s : series) {
            for (double v : s.y()) {
                if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                    m = Math.max(m, v);
                }
            }
        }
        return m;
    }

    static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String fmtMs(double ms) {
        if (ms >= 1000) {
            return fmtNum(ms / 1000) + " s";
        }
        if (ms >= 1) {
            return fmtNum(ms) + " ms";
        }
        return fmtNum(ms * 1000) + " µs";
    }

    static String fmtNum(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            if (Math.abs(v) >= 10_000) {
                return String.format(Locale.ROOT, "%,.0f", v);
            }
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
