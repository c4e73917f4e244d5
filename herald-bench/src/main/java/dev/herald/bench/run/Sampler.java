package dev.herald.bench.run;

import dev.herald.bench.config.Scenario;
import dev.herald.bench.http.HttpPublisher;
import dev.herald.bench.http.PublisherSnapshot;
import dev.herald.bench.report.ResultReport;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.Histograms;
import dev.herald.bench.stats.ProcStats;
import dev.herald.bench.stats.Snapshot;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Collects worker and publisher snapshots once a second (and at phase edges): builds the timeline,
 * prints the progress line, and accumulates each phase's histograms and deltas. All methods are
 * synchronized; the timer thread and the coordinator share it.
 */
final class Sampler implements AutoCloseable {
    private final Scenario scenario;
    private final List<Worker> workers;
    private final HttpPublisher publisher;
    private final Long serverPid;
    private final List<Long> generatorPids;
    private final boolean quiet;
    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private final List<Point> timeline = new ArrayList<>();
    private final List<PhaseMark> marks = new ArrayList<>();
    private final Histogram carry = Histograms.create();
    private long[] counters = new long[Counter.COUNT];
    private long[] pubCounts = new long[5];
    private Map<String, Long> pubErrors = new LinkedHashMap<>();
    private long[] lastCounters = new long[Counter.COUNT];
    private long[] lastPub = new long[5];
    private long lastNanos = t0;
    private double lastServerCpu;
    private double lastGenCpu;
    private long expectedAtLast;
    private long firstConnect = Long.MAX_VALUE;
    private long lastEstablished;
    private long lastReady;
    // reconnect-storm: every back and re-subscribed time so far (a client counts once, whenever
    // its child's snapshot brings it)
    private final Histogram backTotal = Histograms.create();
    private final Histogram resubscribedTotal = Histograms.create();
    private long lastBack;
    private PhaseStats current;
    private String phase = "start";
    private ScheduledExecutorService timer;

    Sampler(
            Scenario scenario,
            List<Worker> workers,
            HttpPublisher publisher,
            Long serverPid,
            List<Long> generatorPids,
            boolean quiet,
            PrintStream out) {
        this.scenario = scenario;
        this.workers = workers;
        this.publisher = publisher;
        this.serverPid = serverPid;
        this.generatorPids = generatorPids;
        this.quiet = quiet;
        this.out = out;
        this.lastServerCpu = serverCpu();
        this.lastGenCpu = generatorCpu();
    }

    void startTimer() {
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "bench-sampler");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleAtFixedRate(
                () -> {
                    try {
                        sample(true);
                    } catch (RuntimeException e) {
                        out.println("herald-bench: sampler: " + e);
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
    }

    double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    synchronized void beginPhase(String name) {
        sample(false);
        phase = name;
        marks.add(new PhaseMark(now(), name));
        current = new PhaseStats(name, now(), counters, pubCounts, serverCpu(), generatorCpu());
    }

    synchronized PhaseStats endPhase() {
        sample(false);
        PhaseStats p = current;
        p.end(now(), counters, pubCounts, serverCpu(), generatorCpu());
        current = null;
        phase = "between";
        return p;
    }

    /** Latest merged counters (up to 100 ms old for child processes). Does not sample. */
    long[] liveCounters() {
        long[] c = new long[Counter.COUNT];
        for (Worker w : workers) {
            long[] wc = w.counters();
            for (int i = 0; i < c.length; i++) {
                c[i] += wc[i];
            }
        }
        return c;
    }

    synchronized long firstConnect() {
        return firstConnect;
    }

    synchronized long lastEstablished() {
        return lastEstablished;
    }

    synchronized long lastReady() {
        return lastReady;
    }

    /** reconnect-storm: the moved clients' storm → back times so far (a copy). */
    synchronized Histogram backTotal() {
        return backTotal.copy();
    }

    /** reconnect-storm: the moved clients' storm → re-subscribed times so far (a copy). */
    synchronized Histogram resubscribedTotal() {
        return resubscribedTotal.copy();
    }

    /** reconnect-storm: Clock.now() of the last moved client back within the timeout, or 0. */
    synchronized long lastBack() {
        return lastBack;
    }

    synchronized List<Point> timeline() {
        return new ArrayList<>(timeline);
    }

    synchronized List<PhaseMark> marks() {
        return new ArrayList<>(marks);
    }

    synchronized Map<String, Long> publisherErrors() {
        return pubErrors;
    }

    synchronized void sample(boolean periodic) {
        Snapshot merged = new Snapshot();
        for (Worker w : workers) {
            merged.merge(w.snapshot());
        }
        PublisherSnapshot p = publisher == null ? null : publisher.snapshot();
        counters = merged.counters;
        pubCounts = PhaseStats.pubCounts(p);
        if (p != null) {
            pubErrors = p.errors();
        }
        firstConnect = Math.min(firstConnect, merged.firstConnect);
        lastEstablished = Math.max(lastEstablished, merged.lastEstablished);
        lastReady = Math.max(lastReady, merged.lastReady);
        if (merged.back != null) {
            backTotal.add(merged.back);
            resubscribedTotal.add(merged.resubscribed);
        }
        lastBack = Math.max(lastBack, merged.lastBack);
        Histogram primary = primary(merged, p);
        carry.add(primary);
        if (current != null) {
            current.latency.add(merged.latency);
            current.setup.add(merged.setup);
            if (p != null) {
                current.rtt.add(p.rtt());
                current.lag.add(p.lag());
            }
        }
        if (periodic) {
            point();
        }
    }

    private Histogram primary(Snapshot s, PublisherSnapshot p) {
        switch (scenario) {
            case TRIGGER:
                return p == null ? Histograms.create() : p.rtt();
            case IDLE:
                return s.setup;
            default:
                return s.latency;
        }
    }

    private Histogram primaryTotal(PhaseStats phase) {
        switch (scenario) {
            case TRIGGER:
                return phase.rtt;
            case IDLE:
                return phase.setup;
            default:
                return phase.latency;
        }
    }

    private void point() {
        long now = System.nanoTime();
        double dt = Math.max(1e-3, (now - lastNanos) / 1e9);
        double serverCpu = serverCpu();
        double genCpu = generatorCpu();
        double[] rates = rates(dt);
        Point pt =
                new Point(
                        now(),
                        phase,
                        counters[Counter.OPEN.ordinal()],
                        rates[0],
                        rates[1],
                        PhaseStats.ms(carry, 50),
                        PhaseStats.ms(carry, 90),
                        PhaseStats.ms(carry, 99),
                        PhaseStats.ms(carry, 99.9),
                        carry.getTotalCount() == 0
                                ? Double.NaN
                                : Histograms.ms(carry.getMaxValue()),
                        carry.getTotalCount(),
                        serverCpu < 0 ? Double.NaN : 100 * (serverCpu - lastServerCpu) / dt,
                        serverPid == null
                                ? Double.NaN
                                : ProcStats.treeRssBytes(serverPid) / 1048576.0,
                        genCpu < 0 ? Double.NaN : 100 * (genCpu - lastGenCpu) / dt);
        timeline.add(pt);
        if (!quiet) {
            out.println(progressLine(pt));
        }
        expectedAtLast = expected();
        carry.reset();
        lastNanos = now;
        lastCounters = counters.clone();
        lastPub = pubCounts.clone();
        lastServerCpu = serverCpu;
        lastGenCpu = genCpu;
    }

    private long d(Counter c) {
        return counters[c.ordinal()] - lastCounters[c.ordinal()];
    }

    private double[] rates(double dt) {
        switch (scenario) {
            case FANOUT:
                return new double[] {d(Counter.DELIVERED) / dt, (pubCounts[1] - lastPub[1]) / dt};
            case CLIENT_EVENTS:
                return new double[] {d(Counter.DELIVERED) / dt, d(Counter.CLIENT_EVENTS_SENT) / dt};
            case TRIGGER:
                return new double[] {
                    (pubCounts[1] - lastPub[1]) / dt,
                    (pubCounts[2] - lastPub[2] + pubCounts[3] - lastPub[3]) / dt
                };
            case IDLE:
                return new double[] {d(Counter.ESTABLISHED) / dt, 0};
            case CHURN:
                return new double[] {d(Counter.CHURN_CYCLES) / dt, d(Counter.ESTABLISHED) / dt};
            case PRESENCE:
                return new double[] {
                    d(Counter.JOINS) / dt,
                    (d(Counter.MEMBER_ADDED) + d(Counter.MEMBER_REMOVED)) / dt
                };
            case RECONNECT_STORM:
                return new double[] {d(Counter.DELIVERED) / dt, d(Counter.STORM_BACK) / dt};
            default:
                return new double[] {0, 0};
        }
    }

    private long expected() {
        return scenario == Scenario.CLIENT_EVENTS
                ? counters[Counter.CLIENT_EVENTS_EXPECTED.ordinal()]
                : pubCounts[4];
    }

    private String progressLine(Point p) {
        String[] l = ResultReport.labels(scenario);
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "[%6.1fs %-10s] open %,d",
                        p.t(),
                        shortPhase(p.phase()),
                        p.open()));
        sb.append(String.format(Locale.ROOT, " | %,.0f %s", p.throughput(), l[0]));
        if (!l[1].isEmpty()) {
            sb.append(String.format(Locale.ROOT, ", %,.0f %s", p.secondary(), l[1]));
        }
        if (p.count() > 0) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " | %s p50 %s p99 %s max %s ms",
                            l[2],
                            fmt(p.p50()),
                            fmt(p.p99()),
                            fmt(p.max())));
            Histogram phaseTotal = current == null ? null : primaryTotal(current);
            if (phaseTotal != null && phaseTotal.getTotalCount() > p.count()) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                " (phase p99 %s)",
                                fmt(PhaseStats.ms(phaseTotal, 99))));
            }
        }
        if (scenario == Scenario.FANOUT || scenario == Scenario.CLIENT_EVENTS) {
            long expectedBefore = expectedAtLast;
            long delivered = counters[Counter.DELIVERED.ordinal()];
            if (expectedBefore > 0) {
                double loss = Math.max(0, expectedBefore - delivered) * 100.0 / expectedBefore;
                sb.append(String.format(Locale.ROOT, " | loss(>1s) %.3f%%", loss));
            }
        }
        if (scenario == Scenario.RECONNECT_STORM && counters[Counter.STORM_CLOSED.ordinal()] > 0) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " | moved: closed %,d, reconnects %,d, resubscribed %,d, back %,d",
                            counters[Counter.STORM_CLOSED.ordinal()],
                            counters[Counter.STORM_RECONNECTS.ordinal()],
                            counters[Counter.STORM_RESUBSCRIBED.ordinal()],
                            counters[Counter.STORM_BACK.ordinal()]
                                    + counters[Counter.STORM_LATE_BACK.ordinal()]));
        }
        long errors =
                counters[Counter.PUSHER_ERRORS.ordinal()]
                        + counters[Counter.CONNECT_FAILED.ordinal()]
                        + counters[Counter.UNEXPECTED_CLOSES.ordinal()]
                        + pubCounts[2]
                        + pubCounts[3]
                        + counters[Counter.MISSED_DELIVERIES.ordinal()]
                        + counters[Counter.OUT_OF_ORDER.ordinal()]
                        + (scenario == Scenario.CHURN || scenario == Scenario.RECONNECT_STORM
                                ? counters[Counter.SUB_ERRORS.ordinal()]
                                : 0)
                        + counters[Counter.STORM_UNMOVED_CLOSES.ordinal()]
                        + counters[Counter.STORM_RECONNECT_FAILED.ordinal()]
                        + counters[Counter.STORM_REFUSED_CLOSES.ordinal()];
        if (errors > 0) {
            sb.append(String.format(Locale.ROOT, " | errors %,d", errors));
        }
        if (!Double.isNaN(p.serverCpuPct())) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " | server %.0f%% cpu %.0f MB",
                            p.serverCpuPct(),
                            p.serverRssMb()));
        }
        if (!Double.isNaN(p.generatorCpuPct())) {
            sb.append(String.format(Locale.ROOT, " | bench %.0f%% cpu", p.generatorCpuPct()));
        }
        return sb.toString();
    }

    private static String shortPhase(String phase) {
        return phase.length() > 10 ? phase.substring(0, 10) : phase;
    }

    static String fmt(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        if (ms < 100) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        return String.format(Locale.ROOT, "%.0f", ms);
    }

    double serverCpu() {
        return serverPid == null ? -1 : ProcStats.treeCpuSeconds(serverPid);
    }

    long serverRss() {
        return serverPid == null ? -1 : ProcStats.treeRssBytes(serverPid);
    }

    /** CPU seconds of this process and its generator children. */
    double generatorCpu() {
        double sum = 0;
        for (long pid : generatorPids) {
            double s = ProcStats.cpuSeconds(pid);
            if (s < 0) {
                return -1;
            }
            sum += s;
        }
        return sum;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
