package dev.herald.bench.run;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.ChannelType;
import dev.herald.bench.config.Durations;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.config.FleetMode;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.config.Target;
import dev.herald.bench.http.HttpPublisher;
import dev.herald.bench.http.PublishTargets;
import dev.herald.bench.report.ResultReport;
import dev.herald.bench.soak.ServerProbe;
import dev.herald.bench.soak.SoakChart;
import dev.herald.bench.soak.SoakRecorder;
import dev.herald.bench.stats.Clock;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.ProcStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Runs one scenario: creates the workers (in this process or in {@code --procs} children) and the
 * HTTP publisher, walks the phases, and writes the results.
 */
public final class Coordinator {
    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .registerModule(
                            new SimpleModule()
                                    .addSerializer(Double.class, new NanAsNull())
                                    .addSerializer(Double.TYPE, new NanAsNull()));

    /** NaN (nothing recorded) and infinities become JSON null. */
    private static final class NanAsNull extends StdSerializer<Double> {
        NanAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v == null || v.isNaN() || v.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(v);
            }
        }
    }

    private final BenchConfig cfg;
    private final Scenario scenario;
    private final PrintStream out;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final List<Worker> workers = new ArrayList<>();
    private HttpPublisher publisher;
    private Sampler sampler;
    // reconnect-storm: the node that goes away, the port publications go to (a survivor), the
    // marker publisher, and who moves
    private StormNode stormNode;
    private int publishPort;
    private HttpPublisher markers;
    private StormPlan stormPlan;
    // the marker channels with a client waiting, merged from the workers' reports
    private volatile BitSet waitingMarkers = new BitSet();
    private boolean complete = true;
    private List<SoakRecorder.Sample> soakSamples;

    public Coordinator(BenchConfig cfg, PrintStream out) {
        this.cfg = cfg;
        this.scenario = cfg.scenarioEnum();
        this.out = out;
    }

    public int run() throws Exception {
        result.put("tool", "herald-bench 0.1");
        result.put("scenario", scenario.cliName);
        result.put("started_at", OffsetDateTime.now().toString());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put(
                "java",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        result.put("machine", machine);
        ObjectNode params = JSON.valueToTree(cfg);
        params.put("appSecret", "****");
        result.put("params", params);
        if (cfg.serverPid() != null && !ProcStats.alive(cfg.serverPid())) {
            throw new IllegalArgumentException(
                    "--server-pid " + cfg.serverPid() + " is not a running process");
        }
        publishPort = cfg.publishPort();
        if (scenario == Scenario.RECONNECT_STORM) {
            // before anything connects: the pid must be one of the nodes, and the publications
            // must go to one that stays
            stormNode = StormNode.find(cfg.stormNodePid(), cfg.ports());
            if (publishPort == 0) {
                publishPort = FleetConfig.survivorPortOf(cfg.ports(), stormNode.port(), 0);
            }
            if (publishPort == stormNode.port()) {
                throw new IllegalArgumentException(
                        "--publish-port "
                                + publishPort
                                + " is the storm node's: publish through a node that survives");
            }
            stormPlan = StormPlan.of(cfg, stormNode.port());
        }
        long rssBefore = cfg.serverPid() == null ? -1 : ProcStats.treeRssBytes(cfg.serverPid());
        List<Long> pids = new ArrayList<>();
        pids.add(ProcessHandle.current().pid());
        try {
            createWorkers(pids);
            createPublisher();
            sampler =
                    new Sampler(
                            scenario, workers, publisher, cfg.serverPid(), pids, cfg.quiet(), out);
            sampler.startTimer();
            out.printf(
                    "herald-bench %s against %s%s:%s: %s%n",
                    scenario.cliName,
                    cfg.target() == Target.NCHAN ? "nchan at " : "",
                    cfg.host(),
                    cfg.portsText(),
                    describe());
            if (scenario == Scenario.CLIENT_EVENTS
                    && cfg.senders() > 0
                    && cfg.rate() / cfg.senders() > 10) {
                out.printf(
                        "note: %.1f client events/s per sender is over Pusher's 10/s per connection; expect 4301 refusals%n",
                        cfg.rate() / cfg.senders());
            }
            switch (scenario) {
                case FANOUT:
                    fanout(rssBefore);
                    break;
                case IDLE:
                    idle(rssBefore);
                    break;
                case CHURN:
                    churn();
                    break;
                case PRESENCE:
                    presence(rssBefore);
                    break;
                case CLIENT_EVENTS:
                    clientEvents(rssBefore);
                    break;
                case TRIGGER:
                    trigger();
                    break;
                case RECONNECT_STORM:
                    reconnectStorm(rssBefore);
                    break;
                default:
                    throw new IllegalStateException();
            }
        } finally {
            if (sampler != null) {
                sampler.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            if (markers != null) {
                markers.close();
            }
            for (Worker w : workers) {
                w.close();
            }
        }
        result.put("complete", complete);
        result.put("errors", errors());
        result.put("timeline", sampler.timeline());
        result.put("phases", sampler.marks());
        Path json = outputPath();
        Path svg =
                json.resolveSibling(
                        json.getFileName().toString().replaceAll("\\.json$", "") + ".svg");
        Files.createDirectories(json.toAbsolutePath().getParent());
        JSON.writeValue(json.toFile(), result);
        Files.writeString(
                svg,
                ResultReport.chart(
                        scenario,
                        cfg,
                        String.valueOf(result.get("started_at")),
                        sampler.timeline(),
                        sampler.marks()));
        out.println();
        out.print(ResultReport.table(scenario, result));
        out.printf("%nresults: %s%nchart:   %s%n", json, svg);
        if (soakSamples != null) {
            String stem = json.getFileName().toString().replaceAll("\\.json$", "");
            Path csv = json.resolveSibling(stem + "-samples.csv");
            Path soakSvg = json.resolveSibling(stem + "-soak.svg");
            Files.writeString(csv, SoakRecorder.csv(soakSamples));
            Files.writeString(
                    soakSvg,
                    SoakChart.render(
                            "herald-bench churn: the server over the run",
                            String.format(
                                    Locale.ROOT,
                                    "started %s, %s:%d%n%d slots x %d %s channels, %s cycles/s, lifetime %s, %s client events/s per connection,"
                                            + " %s publishes/s; a sample every %s",
                                    String.valueOf(result.get("started_at"))
                                            .replaceAll("\\.\\d+", ""),
                                    cfg.host(),
                                    cfg.port(),
                                    cfg.connections(),
                                    cfg.channelsPerConn(),
                                    cfg.channelType().name().toLowerCase(Locale.ROOT),
                                    fmtRate(cfg.rate()),
                                    fmtMs(cfg.lifetimeMs()),
                                    fmtRate(cfg.clientEventRate()),
                                    fmtRate(cfg.triggerRate()),
                                    fmtMs(cfg.sampleEveryMs())),
                            soakSamples,
                            cfg.warmupMs() / 1000.0));
            out.printf("server samples: %s%nsoak chart:     %s%n", csv, soakSvg);
        }
        return complete ? 0 : 1;
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        if (scenario.mode != FleetMode.NONE) {
            sb.append(
                    String.format(
                            "%,d connections x %d of %,d %s channels",
                            cfg.connections(),
                            cfg.channelsPerConn(),
                            cfg.channels(),
                            cfg.channelType().name().toLowerCase(Locale.ROOT)));
        }
        if (scenario == Scenario.FANOUT || scenario == Scenario.TRIGGER) {
            sb.append(sb.length() > 0 ? ", " : "")
                    .append(
                            cfg.findMax()
                                    ? "find-max from " + fmtRate(cfg.startRate()) + "/s"
                                    : cfg.rate() > 0
                                            ? fmtRate(cfg.rate()) + " publishes/s"
                                            : "closed loop");
            sb.append(String.format(" over %d HTTP connections", cfg.httpConnections()));
            if (cfg.ports().length > 1 || cfg.publishPort() != cfg.port()) {
                sb.append(" to port ").append(cfg.publishPort());
            }
        } else if (scenario == Scenario.RECONNECT_STORM) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " (last channel private for %.0f%%, presence for %.0f%%); %s of pid %d (port %d, %,d clients move);"
                                    + " %s publishes/s to the other clients' channels through port %d",
                            100 * cfg.privateFraction(),
                            100 * cfg.presenceFraction(),
                            cfg.storm().name().toLowerCase(Locale.ROOT),
                            stormNode.pid(),
                            stormNode.port(),
                            stormPlan.moved(),
                            fmtRate(cfg.rate()),
                            publishPort));
        } else if (cfg.rate() > 0) {
            sb.append(", rate ").append(fmtRate(cfg.rate())).append("/s");
        }
        sb.append(
                String.format(
                        ", %d-byte payload, %s transport, %d process(es)",
                        cfg.payload(),
                        workers.isEmpty()
                                ? publisher.transportName()
                                : workers.get(0).transportName(),
                        cfg.procs()));
        return sb.toString();
    }

    private void createWorkers(List<Long> pids) throws IOException, InterruptedException {
        if (scenario.mode == FleetMode.NONE) {
            return;
        }
        int n = cfg.connections();
        if (cfg.procs() <= 1) {
            workers.add(
                    new LocalWorker(FleetConfig.forShare(cfg, scenario.mode, 0, n, stormPort())));
            return;
        }
        List<ChildWorker> children = new ArrayList<>();
        for (int i = 0; i < cfg.procs(); i++) {
            int from = (int) ((long) n * i / cfg.procs());
            int to = (int) ((long) n * (i + 1) / cfg.procs());
            ChildWorker w =
                    new ChildWorker(
                            FleetConfig.forShare(cfg, scenario.mode, from, to, stormPort()),
                            cfg.childJvmOpts(),
                            i);
            children.add(w);
            workers.add(w);
        }
        for (ChildWorker w : children) {
            if (!w.awaitHello(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a generator child process did not start");
            }
            pids.add(w.pid());
        }
    }

    private int stormPort() {
        return stormNode == null ? 0 : stormNode.port();
    }

    private HttpPublisher publisherTo(
            String eventName, PublishTargets targets, HttpPublisher.ChannelFilter filter) {
        return new HttpPublisher(
                new HttpPublisher.Settings(
                        cfg.host(),
                        publishPort,
                        cfg.appId(),
                        cfg.appKey(),
                        cfg.appSecret(),
                        cfg.httpConnections(),
                        cfg.httpThreads(),
                        cfg.transport(),
                        cfg.payload(),
                        eventName,
                        targets,
                        false,
                        cfg.target(),
                        cfg.nchanPubPath(),
                        filter));
    }

    private void createPublisher() throws InterruptedException {
        if (scenario == Scenario.RECONNECT_STORM) {
            // the steady stream, to every channel a client that stays on its node subscribes to;
            // the markers, to the last channel of each client that moved, subscribed again and
            // waits for one (so that they cost little: the other subscribers of the channel get
            // them too, some still on a draining node), as few requests as the API allows
            publisher = publisherTo(cfg.eventName(), stormPlan.steady(), null);
            publisher.connect();
            markers =
                    publisherTo(
                            FleetConfig.markerEvent(cfg.eventName()),
                            stormPlan.markers(),
                            c -> waitingMarkers.get(c));
            markers.connect();
            return;
        }
        ChannelPlan plan;
        if (scenario == Scenario.CHURN) {
            // only the public channels, named as the mixed plan names them; no subscriber counts
            // (they change all the time): churn finds lost publications by sequence gaps instead
            int publicChannels =
                    new ChannelPlan(0, cfg.channels(), 1, cfg.channelType(), cfg.channelPrefix())
                            .publicChannels();
            if (cfg.triggerRate() <= 0 || publicChannels == 0) {
                return;
            }
            plan = new ChannelPlan(0, publicChannels, 1, ChannelType.PUBLIC, cfg.channelPrefix());
        } else if (scenario == Scenario.FANOUT || scenario == Scenario.TRIGGER) {
            plan =
                    new ChannelPlan(
                            cfg.connections(),
                            cfg.channels(),
                            Math.max(1, cfg.channelsPerConn()),
                            cfg.channelType(),
                            cfg.channelPrefix());
        } else {
            return;
        }
        publisher =
                new HttpPublisher(
                        new HttpPublisher.Settings(
                                cfg.host(),
                                publishPort,
                                cfg.appId(),
                                cfg.appKey(),
                                cfg.appSecret(),
                                cfg.httpConnections(),
                                cfg.httpThreads(),
                                cfg.transport(),
                                cfg.payload(),
                                cfg.eventName(),
                                PublishTargets.of(plan),
                                scenario == Scenario.TRIGGER,
                                cfg.target(),
                                cfg.nchanPubPath(),
                                null));
        publisher.connect();
    }

    // ---- phases shared by scenarios ----

    /** Ramp every connection up and subscribe; records setup figures and server memory. */
    private boolean setup(long rssBefore) {
        sampler.beginPhase("setup");
        workers.forEach(Worker::start);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cfg.setupTimeoutMs());
        long n = cfg.connections();
        while (System.nanoTime() < deadline) {
            long[] c = sampler.liveCounters();
            if (c[Counter.READY.ordinal()]
                            + c[Counter.CONNECT_FAILED.ordinal()]
                            + c[Counter.SETUP_REFUSED.ordinal()]
                    >= n) {
                break;
            }
            sleepMs(20);
        }
        PhaseStats p = sampler.endPhase();
        long established = p.at(Counter.ESTABLISHED);
        long ready = p.at(Counter.READY);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("connections", n);
        s.put("established", established);
        s.put("subscribed", ready);
        s.put("failed", p.at(Counter.CONNECT_FAILED));
        s.put("subscription_errors", p.at(Counter.SUB_ERRORS));
        s.put("refused", p.at(Counter.SETUP_REFUSED));
        long first = sampler.firstConnect();
        double estSeconds =
                sampler.lastEstablished() == 0 ? 0 : (sampler.lastEstablished() - first) / 1e9;
        double readySeconds = sampler.lastReady() == 0 ? 0 : (sampler.lastReady() - first) / 1e9;
        s.put("connect_seconds", round(estSeconds, 3));
        s.put("connects_per_s", estSeconds > 0 ? Math.round(established / estSeconds) : 0);
        s.put("subscribed_seconds", round(readySeconds, 3));
        s.put("subscribed_per_s", readySeconds > 0 ? Math.round(ready / readySeconds) : 0);
        s.put("connect_latency_ms", percentiles(p.setup));
        s.put("server_cpu_s", round(p.serverCpu(), 3));
        // the generator's share of the two: on a shared machine a cheaper server leaves it more
        s.put("generator_cpu_s", round(p.generatorCpu(), 3));
        sleepMs(cfg.settleMs());
        if (cfg.serverPid() != null) {
            long after = ProcStats.treeRssBytes(cfg.serverPid());
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("rss_before_bytes", rssBefore);
            mem.put("rss_after_bytes", after);
            mem.put("rss_per_connection_bytes", ready > 0 ? (after - rssBefore) / ready : null);
            result.put("server_memory", mem);
        }
        result.put("setup", s);
        boolean ok = ready == n;
        out.printf(
                "setup: %,d/%,d connected and subscribed in %.2f s (%,.0f connects/s to connection_established)%s%n",
                ready,
                n,
                readySeconds,
                estSeconds > 0 ? established / estSeconds : 0.0,
                ok ? "" : " - INCOMPLETE");
        if (!ok) {
            complete = false;
        }
        return ok;
    }

    /**
     * One publishing phase at {@code rate} for {@code ms}, then a drain of in-flight deliveries.
     */
    private PhaseStats publishPhase(String name, double rate, long ms) {
        sampler.beginPhase(name);
        long d0 = sampler.liveCounters()[Counter.DELIVERED.ordinal()];
        long e0 = publisher.expectedSoFar();
        publisher.run(rate, TimeUnit.MILLISECONDS.toNanos(ms));
        sleepMs(ms);
        if (!publisher.awaitIdle(
                TimeUnit.MILLISECONDS.toNanos(cfg.drainTimeoutMs())
                        + TimeUnit.SECONDS.toNanos(10))) {
            out.println("publisher did not finish in time; in-flight requests abandoned");
        }
        drain(d0, () -> publisher.expectedSoFar() - e0);
        return sampler.endPhase();
    }

    private boolean drain(long delivered0, LongSupplier expected) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cfg.drainTimeoutMs());
        while (System.nanoTime() < deadline) {
            if (sampler.liveCounters()[Counter.DELIVERED.ordinal()] - delivered0
                    >= expected.getAsLong()) {
                sleepMs(
                        ChildProtocol.SNAP_INTERVAL_MS
                                + 20); // let child snapshots catch up with the edge
                return true;
            }
            sleepMs(10);
        }
        return false;
    }

    private Map<String, Object> deliveryResult(PhaseStats p, long ms, long expected, long sent) {
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = ms / 1000.0;
        long delivered = p.delta(Counter.DELIVERED);
        r.put("seconds", round(seconds, 3));
        if (publisher != null) {
            r.put("published", p.published());
            r.put("publishes_per_s", round(p.published() / seconds, 1));
            r.put("publish_failed", p.publishFailed());
            r.put("publish_io_errors", p.publishIoErrors());
        } else {
            r.put("sent", sent);
            r.put("sent_per_s", round(sent / seconds, 1));
            r.put("rejected_4301", p.delta(Counter.CLIENT_EVENTS_REJECTED));
        }
        r.put("expected", expected);
        r.put("delivered", delivered);
        r.put(
                "loss_pct",
                expected > 0
                        ? round(Math.max(0, expected - delivered) * 100.0 / expected, 4)
                        : 0.0);
        r.put("extra_deliveries", Math.max(0, delivered - expected));
        r.put("deliveries_per_s", Math.round(delivered / seconds));
        r.put("latency_ms", percentiles(p.latency));
        if (publisher != null) {
            r.put("publisher_lag_ms", percentiles(p.lag));
            r.put("http_rtt_ms", percentiles(p.rtt));
        }
        r.put("negative_latencies", p.delta(Counter.NEGATIVE_LATENCY));
        r.put("unexpected_closes", p.delta(Counter.UNEXPECTED_CLOSES));
        r.put("pusher_errors", p.delta(Counter.PUSHER_ERRORS));
        cpu(r, p, delivered, "delivery");
        return r;
    }

    private void cpu(Map<String, Object> r, PhaseStats p, long units, String unit) {
        double server = p.serverCpu();
        if (!Double.isNaN(server)) {
            r.put("server_cpu_s", round(server, 3));
            r.put("server_cpu_pct", round(100 * server / p.seconds(), 1));
            if (unit != null) {
                r.put(
                        "server_cpu_us_per_" + unit,
                        units > 0 ? round(server * 1e6 / units, 3) : null);
            }
        }
        double gen = p.generatorCpu();
        if (!Double.isNaN(gen)) {
            r.put("generator_cpu_s", round(gen, 3));
            r.put("generator_cpu_pct", round(100 * gen / p.seconds(), 1));
            if (unit != null) {
                r.put(
                        "generator_cpu_us_per_" + unit,
                        units > 0 ? round(gen * 1e6 / units, 3) : null);
            }
        }
    }

    // ---- scenarios ----

    private void fanout(long rssBefore) {
        if (!setup(rssBefore)) {
            out.println("not every connection subscribed; nothing measured (see errors)");
            return;
        }
        if (cfg.findMax()) {
            findMax();
            return;
        }
        if (cfg.warmupMs() > 0) {
            publishPhase("warmup", cfg.rate(), cfg.warmupMs());
        }
        PhaseStats m = publishPhase("measure", cfg.rate(), cfg.durationMs());
        result.put("measure", deliveryResult(m, cfg.durationMs(), m.expected(), 0));
    }

    private void findMax() {
        double rate = cfg.startRate();
        if (cfg.warmupMs() > 0) {
            publishPhase("warmup", rate, cfg.warmupMs());
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> lastGood = null;
        String reason = "reached --max-steps";
        for (int i = 1; i <= cfg.maxSteps(); i++) {
            PhaseStats p = publishPhase(String.format("%.0f/s", rate), rate, cfg.stepDurationMs());
            Map<String, Object> r = deliveryResult(p, cfg.stepDurationMs(), p.expected(), 0);
            r.put("rate", round(rate, 2));
            steps.add(r);
            double p99 =
                    p.latency.getTotalCount() == 0
                            ? Double.POSITIVE_INFINITY
                            : p.latency.getValueAtPercentile(99) / 1e6;
            long lost = Math.max(0, p.expected() - p.delta(Counter.DELIVERED));
            String broke = null;
            if (p99 > cfg.maxP99Ms()) {
                broke = String.format("p99 %.2f ms > %.2f ms", p99, cfg.maxP99Ms());
            } else if (lost > 0) {
                broke = String.format("%,d deliveries lost", lost);
            } else if (p.publishFailed() + p.publishIoErrors() > 0) {
                broke = (p.publishFailed() + p.publishIoErrors()) + " publishes failed";
            } else if (p.delta(Counter.UNEXPECTED_CLOSES) > 0) {
                broke = p.delta(Counter.UNEXPECTED_CLOSES) + " connections closed";
            }
            out.printf(
                    "step %d: %.1f publishes/s -> %,d deliveries/s, p99 %.2f ms, lost %,d%s%n",
                    i,
                    rate,
                    (Long) r.get("deliveries_per_s"),
                    p99,
                    lost,
                    broke == null ? " - ok" : " - broken: " + broke);
            if (broke != null) {
                reason = broke;
                double lagP99 =
                        p.lag.getTotalCount() == 0 ? 0 : p.lag.getValueAtPercentile(99) / 1e6;
                if (lagP99 > cfg.maxP99Ms() / 2) {
                    reason +=
                            String.format(
                                    " (publisher lag p99 %.1f ms: the HTTP publisher fell behind; try more --http-connections)",
                                    lagP99);
                }
                break;
            }
            lastGood = r;
            rate *= cfg.stepFactor();
        }
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("max_p99_ms", cfg.maxP99Ms());
        fm.put("stopped_because", reason);
        fm.put("last_good_rate", lastGood == null ? null : lastGood.get("rate"));
        fm.put(
                "last_good_deliveries_per_s",
                lastGood == null ? null : lastGood.get("deliveries_per_s"));
        fm.put("last_good", lastGood);
        fm.put("steps", steps);
        result.put("find_max", fm);
    }

    private void idle(long rssBefore) {
        boolean ok = setup(rssBefore);
        sampler.beginPhase("hold");
        sleepMs(cfg.durationMs());
        PhaseStats p = sampler.endPhase();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seconds", round(p.seconds(), 3));
        r.put("open_at_end", p.at(Counter.OPEN));
        r.put("unexpected_closes", p.delta(Counter.UNEXPECTED_CLOSES));
        r.put("pings_answered", p.delta(Counter.PINGS_ANSWERED));
        if (cfg.serverPid() != null) {
            long rss = ProcStats.treeRssBytes(cfg.serverPid());
            r.put("server_rss_at_end_bytes", rss);
            long open = p.at(Counter.OPEN);
            r.put(
                    "server_rss_per_connection_at_end_bytes",
                    rssBefore > 0 && open > 0 ? (rss - rssBefore) / open : null);
        }
        cpu(r, p, 0, null);
        result.put("hold", r);
        if (!ok) {
            complete = false;
        }
    }

    /**
     * The soak scenario: the slots cycle and the publisher runs for the duration; with {@code
     * --sample-every} the server is sampled before the first connection, while the load runs, and
     * once every connection has closed.
     */
    private void churn() throws IOException {
        SoakRecorder soak =
                cfg.sampleEveryMs() > 0 ? new SoakRecorder(new ServerProbe(cfg.serverPid())) : null;
        if (soak != null) {
            printSample(soak.sample(SoakRecorder.START, () -> 0, () -> 0));
        }
        sampler.beginPhase("measure");
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(cfg.durationMs());
        workers.forEach(Worker::start);
        if (publisher != null) {
            publisher.run(cfg.triggerRate(), TimeUnit.MILLISECONDS.toNanos(cfg.durationMs()));
        }
        long every = TimeUnit.MILLISECONDS.toNanos(cfg.sampleEveryMs());
        long nextSample = soak == null ? Long.MAX_VALUE : start + every;
        long now;
        while ((now = System.nanoTime()) < end) {
            if (now >= nextSample) {
                printSample(
                        soak.sample(
                                SoakRecorder.RUN,
                                () -> live(Counter.OPEN),
                                () -> live(Counter.CHURN_CYCLES)));
                nextSample += every;
                continue;
            }
            sleepMs(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(end, nextSample) - now)));
        }
        workers.forEach(Worker::stopActivity);
        if (publisher != null && !publisher.awaitIdle(TimeUnit.SECONDS.toNanos(10))) {
            out.println("publisher did not finish in time; in-flight requests abandoned");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sampler.liveCounters()[Counter.OPEN.ordinal()] > 0 && System.nanoTime() < deadline) {
            sleepMs(20);
        }
        sleepMs(ChildProtocol.SNAP_INTERVAL_MS + 20);
        PhaseStats p = sampler.endPhase();
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = cfg.durationMs() / 1000.0;
        long cycles = p.delta(Counter.CHURN_CYCLES);
        r.put("seconds", round(seconds, 3));
        r.put("cycles", cycles);
        r.put("cycles_per_s", round(cycles / seconds, 1));
        r.put("connects", p.delta(Counter.ESTABLISHED));
        r.put("connects_per_s", round(p.delta(Counter.ESTABLISHED) / seconds, 1));
        r.put("subscriptions", p.delta(Counter.SUBSCRIBED));
        r.put("open_at_end", p.at(Counter.OPEN));
        r.put("client_events_sent", p.delta(Counter.CLIENT_EVENTS_SENT));
        r.put("client_events_received", p.delta(Counter.CLIENT_EVENTS_RECEIVED));
        r.put("member_events", p.delta(Counter.MEMBER_ADDED) + p.delta(Counter.MEMBER_REMOVED));
        if (publisher != null) {
            r.put("published", p.published());
            r.put("publish_failed", p.publishFailed());
            r.put("publish_io_errors", p.publishIoErrors());
            r.put("http_rtt_ms", percentiles(p.rtt));
        }
        r.put("deliveries", p.delta(Counter.DELIVERED));
        Map<String, Long> e = new LinkedHashMap<>();
        e.put("failed_connects", p.delta(Counter.CONNECT_FAILED));
        e.put("unexpected_closes", p.delta(Counter.UNEXPECTED_CLOSES));
        e.put("subscription_errors", p.delta(Counter.SUB_ERRORS));
        e.put("pusher_errors", p.delta(Counter.PUSHER_ERRORS));
        e.put("missed_deliveries", p.delta(Counter.MISSED_DELIVERIES));
        e.put("out_of_order_deliveries", p.delta(Counter.OUT_OF_ORDER));
        if (publisher != null) {
            e.put("publish_errors", p.publishFailed() + p.publishIoErrors());
        }
        long total = e.values().stream().mapToLong(Long::longValue).sum();
        e.put("total", total);
        r.put("errors", e);
        r.put("cycle_latency_ms", percentiles(p.latency));
        r.put("connect_latency_ms", percentiles(p.setup));
        cpu(r, p, cycles, "cycle");
        result.put("measure", r);
        if (total > 0 || p.at(Counter.OPEN) > 0) {
            complete = false;
        }
        if (soak != null) {
            sleepMs(2000); // the server has answered every close; let it finish closing its sockets
            printSample(
                    soak.sample(
                            SoakRecorder.END,
                            () -> live(Counter.OPEN),
                            () -> live(Counter.CHURN_CYCLES)));
            soakSamples = soak.samples();
            result.put(
                    "soak",
                    SoakRecorder.summary(
                            soakSamples, cfg.warmupMs() / 1000.0, cfg.sampleEveryMs() / 1000.0));
        }
    }

    private long live(Counter c) {
        return sampler.liveCounters()[c.ordinal()];
    }

    private void printSample(SoakRecorder.Sample s) {
        out.printf(
                Locale.ROOT,
                "server sample [%s, %.0f s]: live heap %.2f MB, RSS %.1f MB, %d open files (%d connections open)%n",
                s.phase(),
                s.t(),
                s.liveHeapBytes() / 1048576.0,
                s.rssBytes() / 1048576.0,
                s.openFiles(),
                s.openConnections());
    }

    private void presence(long rssBefore) {
        if (!setup(rssBefore)) {
            out.println("not every member joined; measuring anyway");
        }
        sampler.beginPhase("storm");
        workers.forEach(Worker::startActivity);
        sleepMs(cfg.durationMs());
        workers.forEach(Worker::stopActivity);
        sleepMs(500);
        PhaseStats p = sampler.endPhase();
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = cfg.durationMs() / 1000.0;
        long joins = p.delta(Counter.JOINS);
        long events = p.delta(Counter.MEMBER_ADDED) + p.delta(Counter.MEMBER_REMOVED);
        r.put("seconds", round(seconds, 3));
        r.put("joins", joins);
        r.put("leaves", p.delta(Counter.LEAVES));
        r.put("joins_per_s", round(joins / seconds, 1));
        r.put("join_latency_ms", percentiles(p.latency));
        r.put("member_added", p.delta(Counter.MEMBER_ADDED));
        r.put("member_removed", p.delta(Counter.MEMBER_REMOVED));
        r.put("member_events_per_s", round(events / seconds, 1));
        r.put("subscription_errors", p.delta(Counter.SUB_ERRORS));
        r.put("pusher_errors", p.delta(Counter.PUSHER_ERRORS));
        r.put("unexpected_closes", p.delta(Counter.UNEXPECTED_CLOSES));
        cpu(r, p, joins, "join");
        result.put("measure", r);
    }

    private void clientEvents(long rssBefore) {
        if (!setup(rssBefore)) {
            out.println("not every connection subscribed; nothing measured (see errors)");
            return;
        }
        if (cfg.warmupMs() > 0) {
            activityPhase("warmup", cfg.warmupMs());
        }
        PhaseStats m = activityPhase("measure", cfg.durationMs());
        result.put(
                "measure",
                deliveryResult(
                        m,
                        cfg.durationMs(),
                        m.delta(Counter.CLIENT_EVENTS_EXPECTED),
                        m.delta(Counter.CLIENT_EVENTS_SENT)));
    }

    private PhaseStats activityPhase(String name, long ms) {
        sampler.beginPhase(name);
        long[] c0 = sampler.liveCounters();
        workers.forEach(Worker::startActivity);
        sleepMs(ms);
        workers.forEach(Worker::stopActivity);
        sleepMs(ChildProtocol.SNAP_INTERVAL_MS + 20);
        long e0 = c0[Counter.CLIENT_EVENTS_EXPECTED.ordinal()];
        drain(
                c0[Counter.DELIVERED.ordinal()],
                () -> sampler.liveCounters()[Counter.CLIENT_EVENTS_EXPECTED.ordinal()] - e0);
        return sampler.endPhase();
    }

    private void trigger() {
        if (cfg.warmupMs() > 0) {
            publishPhase("warmup", cfg.rate(), cfg.warmupMs());
        }
        PhaseStats p = publishPhase("measure", cfg.rate(), cfg.durationMs());
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = cfg.durationMs() / 1000.0;
        r.put("seconds", round(seconds, 3));
        r.put("requests", p.sent());
        r.put("ok", p.published());
        r.put("failed", p.publishFailed());
        r.put("io_errors", p.publishIoErrors());
        r.put("requests_per_s", Math.round(p.published() / seconds));
        r.put("http_rtt_ms", percentiles(p.rtt));
        r.put("publisher_lag_ms", percentiles(p.lag));
        cpu(r, p, p.published(), "request");
        result.put("measure", r);
    }

    /** Moments are Clock.now() epoch nanoseconds; a signal goes out this long after arming. */
    private static final long STORM_ARM_MS = 200;

    /**
     * reconnect-storm: every client subscribed, the steady stream runs through the warm-up and the
     * window before; the children are armed, the node is signalled, markers go to the moved clients
     * until every one is back or --storm-timeout has passed (the window during), then the window
     * after. The steady stream's deliveries to the clients that stayed are drained at the end and
     * counted against what was published to them.
     */
    private void reconnectStorm(long rssBefore) {
        if (!setup(rssBefore)) {
            out.println("not every client subscribed; no storm (see errors)");
            return;
        }
        long d0 = sampler.liveCounters()[Counter.DELIVERED.ordinal()];
        long e0 = publisher.expectedSoFar();
        long streamMs =
                cfg.warmupMs()
                        + 2 * cfg.durationMs()
                        + cfg.stormTimeoutMs()
                        + 60_000
                        + STORM_ARM_MS;
        publisher.run(cfg.rate(), TimeUnit.MILLISECONDS.toNanos(streamMs));
        StormWatch watch = new StormWatch();
        if (cfg.warmupMs() > 0) {
            sampler.beginPhase("warmup");
            watch.hold(cfg.warmupMs());
            sampler.endPhase();
        }
        // the window before ends with the signal: the children are armed in its last moments
        sampler.beginPhase("before");
        watch.hold(Math.max(0, cfg.durationMs() - STORM_ARM_MS));
        long at = Clock.now() + TimeUnit.MILLISECONDS.toNanos(STORM_ARM_MS);
        workers.forEach(w -> w.storm(at));
        watch.at = at;
        while (Clock.now() < at) {
            LockSupport.parkNanos(Math.max(1, at - Clock.now()));
        }
        long signalled = Clock.now();
        boolean sent = stormNode.signal(cfg.storm());
        long signalDone = Clock.now();
        PhaseStats before = sampler.endPhase();
        sampler.beginPhase("during");
        int moved = stormPlan.moved();
        double markerRate =
                stormPlan.markers().size() * 1000.0 / Math.max(1, cfg.markerIntervalMs());
        markers.run(markerRate, TimeUnit.MILLISECONDS.toNanos(cfg.stormTimeoutMs()));
        // a node that was already gone closes nothing: no client moves, nothing to wait for
        long deadline = sent ? at + TimeUnit.MILLISECONDS.toNanos(cfg.stormTimeoutMs()) : 0;
        while (Clock.now() < deadline
                && sampler.liveCounters()[Counter.STORM_BACK.ordinal()] < moved) {
            BitSet w = new BitSet();
            workers.forEach(k -> w.or(k.waitingMarkers()));
            waitingMarkers = w;
            watch.hold(5);
        }
        markers.stop();
        PhaseStats during = sampler.endPhase();
        double recoverySeconds = (Clock.now() - at) / 1e9;
        sampler.beginPhase("after");
        watch.hold(cfg.durationMs());
        publisher.stop();
        if (!publisher.awaitIdle(TimeUnit.SECONDS.toNanos(10))
                || !markers.awaitIdle(TimeUnit.SECONDS.toNanos(10))) {
            out.println("publisher did not finish in time; in-flight requests abandoned");
        }
        drain(d0, () -> publisher.expectedSoFar() - e0);
        PhaseStats after = sampler.endPhase();
        long[] c = sampler.liveCounters();

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", cfg.storm().name().toLowerCase(Locale.ROOT));
        r.put("node_pid", stormNode.pid());
        r.put("node_port", stormNode.port());
        r.put("publish_port", publishPort);
        r.put("signal_sent", sent);
        r.put("signal_at", java.time.Instant.ofEpochSecond(0, signalled).toString());
        r.put("signal_late_ms", round((signalDone - at) / 1e6, 3));
        r.put("node_exit_s", watch.exitedAt == 0 ? null : round((watch.exitedAt - at) / 1e9, 3));
        r.put("clients", cfg.connections());
        r.put("moved", moved);
        r.put("moved_by_kind", stormPlan.movedByKind());
        r.put("unmoved", cfg.connections() - moved);
        long back = c[Counter.STORM_BACK.ordinal()];
        long neverBack = Math.max(0, moved - back);
        r.put("closed", c[Counter.STORM_CLOSED.ordinal()]);
        r.put("closed_4200", c[Counter.STORM_CLOSED_4200.ordinal()]);
        r.put("pusher_error_4200", c[Counter.STORM_ERRORS_4200.ordinal()]);
        r.put("reconnects", c[Counter.STORM_RECONNECTS.ordinal()]);
        r.put("resubscribed", c[Counter.STORM_RESUBSCRIBED.ordinal()]);
        r.put("back", back);
        r.put("never_back", neverBack);
        r.put("late_back", c[Counter.STORM_LATE_BACK.ordinal()]);
        long lastBack = sampler.lastBack();
        r.put(
                "all_back_s",
                neverBack == 0 && moved > 0 && lastBack > 0
                        ? round((lastBack - at) / 1e9, 3)
                        : null);
        r.put("timeout_s", round(cfg.stormTimeoutMs() / 1000.0, 3));
        r.put("recovery_window_s", round(recoverySeconds, 3));
        r.put("back_ms", percentiles(sampler.backTotal()));
        r.put("resubscribed_ms", percentiles(sampler.resubscribedTotal()));
        Map<String, Object> mk = new LinkedHashMap<>();
        mk.put("interval_ms", cfg.markerIntervalMs());
        mk.put("channels", stormPlan.markers().channelCount());
        var ms = markers.snapshot();
        mk.put("published", ms.ok());
        mk.put("failed", ms.failed() + ms.ioErrors());
        mk.put("received", c[Counter.MARKERS_RECEIVED.ordinal()]);
        r.put("markers", mk);
        Map<String, Long> e = new LinkedHashMap<>();
        e.put("never_back", neverBack);
        e.put("failed_reconnects", c[Counter.STORM_RECONNECT_FAILED.ordinal()]);
        e.put("subscription_errors", c[Counter.SUB_ERRORS.ordinal()]);
        e.put("pusher_errors", c[Counter.PUSHER_ERRORS.ordinal()]);
        e.put("refused_close_codes", c[Counter.STORM_REFUSED_CLOSES.ordinal()]);
        e.put("unmoved_disconnects", c[Counter.STORM_UNMOVED_CLOSES.ordinal()]);
        e.put("unexpected_closes_before_storm", c[Counter.UNEXPECTED_CLOSES.ordinal()]);
        long publishErrors =
                before.publishFailed()
                        + before.publishIoErrors()
                        + during.publishFailed()
                        + during.publishIoErrors()
                        + after.publishFailed()
                        + after.publishIoErrors()
                        + ms.failed()
                        + ms.ioErrors();
        e.put("publish_errors", publishErrors);
        e.put("total", e.values().stream().mapToLong(Long::longValue).sum());
        r.put("errors", e);
        result.put("storm", r);

        Map<String, Object> u = new LinkedHashMap<>();
        u.put("clients", cfg.connections() - moved);
        u.put("before", window(before));
        u.put("during", window(during));
        u.put("after", window(after));
        long expected = publisher.expectedSoFar() - e0;
        long delivered = c[Counter.DELIVERED.ordinal()] - d0;
        u.put("expected", expected);
        u.put("delivered", delivered);
        u.put(
                "loss_pct",
                expected > 0
                        ? round(Math.max(0, expected - delivered) * 100.0 / expected, 4)
                        : 0.0);
        result.put("unmoved", u);
        if (!sent || neverBack > 0) {
            complete = false;
        }
        out.printf(
                Locale.ROOT,
                "%nstorm: %s of node %d (pid %d)%s: %,d moved clients, %s, %,d never back within %s%s%n"
                        + "clients not moved: p99 %s ms before, %s ms during, %s ms after; %.4f%% of their deliveries lost%n",
                cfg.storm().name().toLowerCase(Locale.ROOT),
                stormNode.port(),
                stormNode.pid(),
                sent ? "" : " (signal NOT sent: the process was gone)",
                moved,
                neverBack == 0 && lastBack > 0
                        ? String.format(
                                Locale.ROOT,
                                "all back in %.2f s (p50 %s, p90 %s, p99 %s ms)",
                                (lastBack - at) / 1e9,
                                Sampler.fmt(PhaseStats.ms(sampler.backTotal(), 50)),
                                Sampler.fmt(PhaseStats.ms(sampler.backTotal(), 90)),
                                Sampler.fmt(PhaseStats.ms(sampler.backTotal(), 99)))
                        : String.format(Locale.ROOT, "%,d back", back),
                neverBack,
                fmtMs(cfg.stormTimeoutMs()),
                watch.exitedAt == 0
                        ? "; the node was still running at the end"
                        : String.format(
                                Locale.ROOT,
                                "; the node exited %.2f s after the signal",
                                (watch.exitedAt - at) / 1e9),
                Sampler.fmt(PhaseStats.ms(before.latency, 99)),
                Sampler.fmt(PhaseStats.ms(during.latency, 99)),
                Sampler.fmt(PhaseStats.ms(after.latency, 99)),
                expected > 0 ? Math.max(0, expected - delivered) * 100.0 / expected : 0.0);
    }

    /** One window of the clients that stayed: their deliveries, latency and the CPU spent. */
    private Map<String, Object> window(PhaseStats p) {
        Map<String, Object> w = new LinkedHashMap<>();
        double seconds = p.seconds();
        long delivered = p.delta(Counter.DELIVERED);
        w.put("seconds", round(seconds, 3));
        w.put("deliveries", delivered);
        w.put("deliveries_per_s", seconds > 0 ? Math.round(delivered / seconds) : 0);
        w.put("latency_ms", percentiles(p.latency));
        // CPU only as a share of the window: the server also serves the moved clients and the
        // markers, so per delivery of these clients it would mean nothing
        cpu(w, p, 0, null);
        return w;
    }

    /** Sleeps in short steps, noting when the storm node's process has gone. */
    private final class StormWatch {
        long at;
        long exitedAt;

        void hold(long ms) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
                if (at != 0 && exitedAt == 0 && !stormNode.alive()) {
                    exitedAt = Clock.now();
                }
            }
        }
    }

    // ---- helpers ----

    private Map<String, Long> errors() {
        Map<String, Long> e = new LinkedHashMap<>();
        for (Worker w : workers) {
            w.errors().forEach((k, v) -> e.merge(k, v, Long::sum));
        }
        if (sampler != null) {
            sampler.publisherErrors().forEach((k, v) -> e.merge(k, v, Long::sum));
        }
        if (markers != null) {
            markers.snapshot().errors().forEach((k, v) -> e.merge(k, v, Long::sum));
        }
        return e;
    }

    private Path outputPath() {
        if (cfg.out() != null) {
            return Path.of(cfg.out());
        }
        String ts = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("bench-results", scenario.cliName + "-" + ts + ".json");
    }

    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return m;
        }
        m.put("p50", round(h.getValueAtPercentile(50) / 1e6, 3));
        m.put("p90", round(h.getValueAtPercentile(90) / 1e6, 3));
        m.put("p99", round(h.getValueAtPercentile(99) / 1e6, 3));
        m.put("p99_9", round(h.getValueAtPercentile(99.9) / 1e6, 3));
        m.put("max", round(h.getMaxValue() / 1e6, 3));
        m.put("mean", round(h.getMean() / 1e6, 3));
        return m;
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static String fmtMs(long ms) {
        return Durations.format(Duration.ofMillis(ms));
    }

    private static String fmtRate(double r) {
        return r == Math.rint(r) ? String.format("%,.0f", r) : String.format("%,.2f", r);
    }

    private static void sleepMs(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
