package dev.herald.bench.soak;

import dev.herald.bench.soak.SoakRecorder.Sample;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The soak chart, as hand-written SVG: one panel per series (live heap after a full collection,
 * RSS, open files) over minutes, each with the least-squares line fitted after the warm-up and its
 * slope in the panel's title. The y axes start at zero, so a flat line looks flat.
 */
public final class SoakChart {
    private static final int WIDTH = 900;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 76;
    private static final int PANEL_H = 170;
    private static final int GAP = 62;

    private SoakChart() {}

    private record Panel(
            String title, String unit, double scale, String color, ToLongFunction<Sample> y) {}

    public static String render(
            String title, String subtitle, List<Sample> samples, double warmupSeconds) {
        Panel[] panels = {
            new Panel(
                    "live heap after a full GC", "MB", 1048576.0, "#1f77b4", Sample::liveHeapBytes),
            new Panel("RSS", "MB", 1048576.0, "#d62728", Sample::rssBytes),
            new Panel("open files", "", 1.0, "#2ca02c", Sample::openFiles),
        };
        int height = TOP + panels.length * (PANEL_H + GAP) + 10;
        double last = 0;
        for (Sample s : samples) {
            last = Math.max(last, s.t() / 60);
        }
        double step = tickStep(last);
        // a run that ends a few seconds past a tick (the final sample) does not get a whole extra
        // step
        int ticks = Math.max(1, (int) Math.ceil(last / step - 0.02));
        double tMax = ticks * step;
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                                + "font-family=\"sans-serif\" font-size=\"12\">%n",
                        WIDTH,
                        height));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
                        WIDTH,
                        height));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"22\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                        LEFT,
                        esc(title)));
        String[] lines = subtitle.split("\n");
        for (int i = 0; i < lines.length; i++) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s</text>%n",
                            LEFT,
                            40 + 16 * i,
                            esc(lines[i])));
        }
        List<Sample> fit = SoakRecorder.afterWarmup(samples, warmupSeconds);
        double plotW = WIDTH - LEFT - RIGHT;
        for (int i = 0; i < panels.length; i++) {
            Panel p = panels[i];
            int top = TOP + i * (PANEL_H + GAP) + 20;
            double yMax = 0;
            for (Sample s : samples) {
                yMax = Math.max(yMax, p.y().applyAsLong(s) / p.scale());
            }
            yMax = niceCeiling(yMax * 1.15);
            double slope = SoakRecorder.slopePerHour(fit, p.y()) / p.scale();
            String unit = p.unit().isEmpty() ? "" : " " + p.unit();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s%s — slope after warm-up: %s%s/h</text>%n",
                            LEFT,
                            top - 8,
                            esc(p.title()),
                            unit.isEmpty() ? "" : " (" + p.unit() + ")",
                            Double.isNaN(slope)
                                    ? "n/a"
                                    : String.format(Locale.ROOT, "%+.2f", slope),
                            unit));
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                            LEFT,
                            top,
                            plotW,
                            PANEL_H));
            for (int g = 0; g <= 4; g++) {
                double v = yMax * g / 4;
                double y = top + PANEL_H - PANEL_H * g / 4.0;
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                                LEFT,
                                y,
                                LEFT + plotW,
                                y));
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                                LEFT - 6,
                                y + 4,
                                fmt(v)));
            }
            for (int g = 0; g <= ticks; g++) {
                double t = step * g;
                double x = LEFT + plotW * g / ticks;
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                                x,
                                top + PANEL_H + 16,
                                fmt(t)));
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%.0f\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">minutes</text>%n",
                            LEFT + plotW,
                            top + PANEL_H + 32));
            if (warmupSeconds > 0) {
                double wx = LEFT + plotW * (warmupSeconds / 60) / tMax;
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4,3\"/>%n",
                                wx,
                                top,
                                wx,
                                top + PANEL_H));
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%.1f\" y=\"%d\" fill=\"#777\">warm-up</text>%n",
                                wx - 50,
                                top + 14));
            }
            StringBuilder pts = new StringBuilder();
            for (Sample s : samples) {
                double v = p.y().applyAsLong(s) / p.scale();
                if (v < 0) {
                    continue;
                }
                double x = LEFT + plotW * (s.t() / 60) / tMax;
                double y = top + PANEL_H - PANEL_H * v / yMax;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>%n",
                                x,
                                y,
                                p.color()));
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                            pts.toString().trim(),
                            p.color()));
            if (fit.size() >= 2 && !Double.isNaN(slope)) {
                double mt = 0;
                double my = 0;
                for (Sample s : fit) {
                    mt += s.t();
                    my += p.y().applyAsLong(s) / p.scale();
                }
                mt /= fit.size();
                my /= fit.size();
                double t1 = fit.get(0).t();
                double t2 = fit.get(fit.size() - 1).t();
                double y1 = my + slope * (t1 - mt) / 3600;
                double y2 = my + slope * (t2 - mt) / 3600;
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-dasharray=\"6,4\"/>%n",
                                LEFT + plotW * (t1 / 60) / tMax,
                                top + PANEL_H - PANEL_H * y1 / yMax,
                                LEFT + plotW * (t2 / 60) / tMax,
                                top + PANEL_H - PANEL_H * y2 / yMax));
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Minutes between x ticks: at most 10 ticks over the run. */
    private static double tickStep(double minutes) {
        for (double step : new double[] {0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240}) {
            if (minutes / step <= 10) {
                return step;
            }
        }
        return 480;
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * mag >= v) {
                return f * mag;
            }
        }
        return 10 * mag;
    }

    private static String fmt(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
