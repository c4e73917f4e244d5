package dev.herald.bench.soak;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The server's samples over a soak run, their CSV, and the least-squares slope of each series after
 * the warm-up. Samples are taken from one thread (the coordinator's).
 */
public final class SoakRecorder {
    /** Phase of the baseline sample, before the first connection. */
    public static final String START = "start";

    /** Phase of the samples taken while the load runs. */
    public static final String RUN = "run";

    /** Phase of the sample after every connection has closed. */
    public static final String END = "end";

    /**
     * One sample.
     *
     * @param t seconds since the baseline sample
     * @param openConnections the bench's open WebSocket connections at that moment
     * @param cycles churn cycles completed so far
     */
    public record Sample(
            double t,
            String phase,
            long openConnections,
            long cycles,
            long rssBytes,
            long openFiles,
            long liveHeapBytes) {}

    private final ServerProbe probe;
    private final long t0 = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();

    public SoakRecorder(ServerProbe probe) {
        this.probe = probe;
    }

    /**
     * Forces a full collection in the server, then reads its live heap, RSS and open files, and the
     * bench's open connections and cycles right after them (jcmd can take seconds on a busy
     * machine, so counts read before it would not match the open files).
     */
    public Sample sample(String phase, LongSupplier openConnections, LongSupplier cycles)
            throws IOException {
        double t = (System.nanoTime() - t0) / 1e9;
        long heap = probe.liveHeapBytes();
        long rss = probe.rssBytes();
        long files = probe.openFiles();
        Sample s =
                new Sample(
                        t,
                        phase,
                        openConnections.getAsLong(),
                        cycles.getAsLong(),
                        rss,
                        files,
                        heap);
        samples.add(s);
        return s;
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    public static String csv(List<Sample> samples) {
        StringBuilder sb =
                new StringBuilder(
                        "t_s,phase,open_connections,cycles,server_rss_bytes,server_open_files,server_live_heap_bytes\n");
        for (Sample s : samples) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%.1f,%s,%d,%d,%d,%d,%d%n",
                            s.t(),
                            s.phase(),
                            s.openConnections(),
                            s.cycles(),
                            s.rssBytes(),
                            s.openFiles(),
                            s.liveHeapBytes()));
        }
        return sb.toString();
    }

    /** Reads back what {@link #csv} wrote. */
    public static List<Sample> parseCsv(String csv) {
        List<Sample> out = new ArrayList<>();
        for (String line : csv.split("\n")) {
            if (line.isBlank() || line.startsWith("t_s,")) {
                continue;
            }
            String[] f = line.trim().split(",");
            if (f.length != 7) {
                throw new IllegalArgumentException("not a soak sample line: " + line);
            }
            out.add(
                    new Sample(
                            Double.parseDouble(f[0]),
                            f[1],
                            Long.parseLong(f[2]),
                            Long.parseLong(f[3]),
                            Long.parseLong(f[4]),
                            Long.parseLong(f[5]),
                            Long.parseLong(f[6])));
        }
        return out;
    }

    /** The samples the slopes are fitted to: under load, at or after the warm-up. */
    public static List<Sample> afterWarmup(List<Sample> samples, double warmupSeconds) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.phase().equals(RUN) && s.t() >= warmupSeconds) {
                out.add(s);
            }
        }
        return out;
    }

    /** Least-squares slope of {@code y} over time, per hour; NaN with fewer than two samples. */
    public static double slopePerHour(List<Sample> samples, ToLongFunction<Sample> y) {
        int n = samples.size();
        if (n < 2) {
            return Double.NaN;
        }
        double mt = 0;
        double my = 0;
        for (Sample s : samples) {
            mt += s.t();
            my += y.applyAsLong(s);
        }
        mt /= n;
        my /= n;
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            double dt = s.t() - mt;
            num += dt * (y.applyAsLong(s) - my);
            den += dt * dt;
        }
        return den == 0 ? Double.NaN : num / den * 3600;
    }

    /** For the JSON result: the fitted slopes and the start and end samples. */
    public static Map<String, Object> summary(
            List<Sample> samples, double warmupSeconds, double sampleEverySeconds) {
        List<Sample> fit = afterWarmup(samples, warmupSeconds);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sample_every_s", sampleEverySeconds);
        m.put("warmup_s", warmupSeconds);
        m.put("samples", samples.size());
        m.put("samples_fitted", fit.size());
        m.put("live_heap_slope_bytes_per_h", round(slopePerHour(fit, Sample::liveHeapBytes)));
        m.put("rss_slope_bytes_per_h", round(slopePerHour(fit, Sample::rssBytes)));
        m.put("open_files_slope_per_h", round(slopePerHour(fit, Sample::openFiles)));
        Sample start = find(samples, START);
        Sample end = find(samples, END);
        if (start != null) {
            m.put("start", asMap(start));
        }
        if (end != null) {
            m.put("end", asMap(end));
        }
        if (start != null && end != null) {
            m.put("live_heap_end_minus_start_bytes", end.liveHeapBytes() - start.liveHeapBytes());
            m.put("rss_end_minus_start_bytes", end.rssBytes() - start.rssBytes());
            m.put("open_files_end_minus_start", end.openFiles() - start.openFiles());
        }
        return m;
    }

    private static Map<String, Object> asMap(Sample s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t_s", round(s.t()));
        m.put("open_connections", s.openConnections());
        m.put("rss_bytes", s.rssBytes());
        m.put("open_files", s.openFiles());
        m.put("live_heap_bytes", s.liveHeapBytes());
        return m;
    }

    private static Sample find(List<Sample> samples, String phase) {
        for (Sample s : samples) {
            if (s.phase().equals(phase)) {
                return s;
            }
        }
        return null;
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
