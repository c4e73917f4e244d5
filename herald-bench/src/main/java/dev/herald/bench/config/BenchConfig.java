package dev.herald.bench.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A fully resolved run: scenario defaults overlaid with the flags. Serialized into the JSON result
 * as the exact parameters of the run.
 */
public record BenchConfig(
        String scenario,
        Target target,
        String nchanSubPath,
        String nchanPubPath,
        String host,
        int port,
        int[] ports,
        int publishPort,
        String appId,
        String appKey,
        String appSecret,
        int connections,
        int channels,
        int channelsPerConn,
        ChannelType channelType,
        String channelPrefix,
        double rate,
        int payload,
        long durationMs,
        long warmupMs,
        long drainTimeoutMs,
        double connectRate,
        int maxPending,
        long setupTimeoutMs,
        long settleMs,
        int httpConnections,
        int httpThreads,
        String transport,
        int threads,
        int procs,
        String childJvmOpts,
        Long serverPid,
        String out,
        boolean findMax,
        double startRate,
        double stepFactor,
        long stepDurationMs,
        double maxP99Ms,
        int maxSteps,
        int senders,
        String eventName,
        String localAddresses,
        boolean recvBufferRing,
        boolean recovery,
        boolean quiet,
        long lifetimeMs,
        double clientEventRate,
        double triggerRate,
        long sampleEveryMs,
        StormKind storm,
        Long stormNodePid,
        long stormTimeoutMs,
        long markerIntervalMs,
        long reconnectDelay4200Ms,
        long reconnectDelayAbruptMs,
        double privateFraction,
        double presenceFraction) {

    /** churn: how long a connection stays open once subscribed. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(4);

    /** churn: client events/s per connection; Pusher allows 10. */
    public static final double DEFAULT_CLIENT_EVENT_RATE = 1;

    /** churn: HTTP API publishes/s to the public channels. */
    public static final double DEFAULT_TRIGGER_RATE = 20;

    /** reconnect-storm: drain the node unless told otherwise. */
    public static final StormKind DEFAULT_STORM = StormKind.DRAIN;

    /** reconnect-storm: a moved client not back this long after the signal never came back. */
    public static final Duration DEFAULT_STORM_TIMEOUT = Duration.ofSeconds(60);

    /** reconnect-storm: how often each moved client's marker channel gets a marker. */
    public static final Duration DEFAULT_MARKER_INTERVAL = Duration.ofMillis(100);

    /** pusher-js reconnects at once after 4200-4299 ("retry"). */
    public static final Duration DEFAULT_RECONNECT_DELAY_4200 = Duration.ZERO;

    /** pusher-js waits a second after a close it has no Pusher code for, or 4100-4199. */
    public static final Duration DEFAULT_RECONNECT_DELAY_ABRUPT = Duration.ofSeconds(1);

    public static final double DEFAULT_PRIVATE_FRACTION = 0.2;
    public static final double DEFAULT_PRESENCE_FRACTION = 0.1;

    /** reconnect-storm bounds. */
    static final Duration MIN_STORM_TIMEOUT = Duration.ofSeconds(1);

    static final Duration MAX_STORM_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MIN_MARKER_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_MARKER_INTERVAL = Duration.ofSeconds(10);
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(60);
    static final Duration MAX_STORM_WINDOW = Duration.ofHours(1);
    static final double MAX_STORM_RATE = 10_000;
    static final int MAX_STORM_CONNECTIONS = 1_000_000;

    /**
     * Pusher's (and Herald's default) limit of members on one presence channel: a plan that puts
     * more on one is refused rather than measured as a storm of 4004 refusals.
     */
    static final int MAX_PRESENCE_MEMBERS = 100;

    /** Herald's default port, used when neither -p nor --ports is given. */
    public static final int DEFAULT_PORT = 6001;

    /** The WebSocket port(s), for messages: {@code 6001} or {@code 7001,7002,7003}. */
    public String portsText() {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) {
            sb.append(sb.length() > 0 ? "," : "").append(p);
        }
        return sb.toString();
    }

    public Scenario scenarioEnum() {
        return Scenario.byName(scenario);
    }

    public static BenchConfig resolve(Scenario s, BenchOptions o) {
        int cores = Runtime.getRuntime().availableProcessors();
        int connections = o.connections != null ? o.connections : s.connections;
        int channels = o.channels != null ? o.channels : s.channels;
        int perConn = o.channelsPerConn != null ? o.channelsPerConn : s.channelsPerConnection;
        ChannelType type = o.channelType != null ? o.channelType : s.channelType;
        double rate = o.rate != null ? o.rate : s.rate;
        Duration duration = o.duration != null ? o.duration : s.duration;
        Duration warmup = o.warmup != null ? o.warmup : s.warmup;
        int http = o.httpConnections != null ? o.httpConnections : Math.max(1, s.httpConnections);
        int httpThreads =
                o.httpThreads != null ? o.httpThreads : (s == Scenario.TRIGGER ? cores : 1);
        int procs = Math.max(1, o.procs);
        int threads = o.threads != null ? o.threads : Math.max(1, (cores + procs - 1) / procs);
        int senders = o.senders != null ? o.senders : connections;
        require(o.ports == null || o.port == null, "give -p or --ports, not both");
        int[] ports =
                o.ports != null && !o.ports.isEmpty()
                        ? o.ports.stream().mapToInt(Integer::intValue).toArray()
                        : new int[] {o.port != null ? o.port : DEFAULT_PORT};
        for (int p : ports) {
            require(p > 0 && p < 65536, "port " + p + " is out of range");
        }
        boolean storm = s == Scenario.RECONNECT_STORM;
        // reconnect-storm: 0 = the first node that survives, known once the storm node's port is
        int publishPort = o.publishPort != null ? o.publishPort : storm ? 0 : ports[0];
        require(
                (storm && o.publishPort == null) || (publishPort > 0 && publishPort < 65536),
                "--publish-port " + publishPort + " is out of range");

        if (s.mode != FleetMode.NONE) {
            require(connections > 0, "--connections must be > 0");
            require(channels > 0, "--channels must be > 0");
            require(
                    perConn > 0 && perConn <= channels,
                    "--channels-per-conn must be between 1 and --channels");
        }
        require(o.payload > 0, "--payload must be > 0");
        require(rate >= 0, "--rate must be >= 0");
        require(o.target != null, "--target must be pusher or nchan");
        if (o.target == Target.NCHAN) {
            requireNchanCanRun(s, type, perConn, channels, o);
        }
        require(!o.findMax || s == Scenario.FANOUT, "--find-max applies to fanout only");
        require(s != Scenario.FANOUT || o.findMax || rate > 0, "fanout needs --rate > 0");
        require(
                s != Scenario.CLIENT_EVENTS || type != ChannelType.PUBLIC,
                "client events need private or presence channels");
        require(
                s != Scenario.PRESENCE || type == ChannelType.PRESENCE,
                "presence needs --channel-type presence");
        require(
                senders >= 0 && senders <= Math.max(connections, 0),
                "--senders must be between 0 and --connections");
        boolean churn = s == Scenario.CHURN;
        Duration lifetime =
                o.lifetime != null ? o.lifetime : churn ? DEFAULT_LIFETIME : Duration.ZERO;
        double clientEventRate =
                o.clientEventRate != null
                        ? o.clientEventRate
                        : churn ? DEFAULT_CLIENT_EVENT_RATE : 0;
        double triggerRate =
                o.triggerRate != null ? o.triggerRate : churn ? DEFAULT_TRIGGER_RATE : 0;
        Duration sampleEvery = o.sampleEvery != null ? o.sampleEvery : Duration.ZERO;
        require(
                churn
                        || (o.lifetime == null
                                && o.clientEventRate == null
                                && o.triggerRate == null
                                && o.sampleEvery == null),
                "--lifetime, --client-event-rate, --trigger-rate and --sample-every apply to churn only");
        require(type != ChannelType.MIXED || churn, "--channel-type mixed applies to churn only");
        require(
                !lifetime.isNegative()
                        && clientEventRate >= 0
                        && triggerRate >= 0
                        && !sampleEvery.isNegative(),
                "--lifetime, --client-event-rate, --trigger-rate and --sample-every must be >= 0");
        require(
                clientEventRate == 0 || lifetime.toMillis() > 0,
                "--client-event-rate needs a --lifetime > 0");
        require(sampleEvery.isZero() || o.serverPid != null, "--sample-every needs --server-pid");
        require(
                sampleEvery.isZero() || sampleEvery.toMillis() >= 1000,
                "--sample-every must be at least 1s");
        require(
                storm
                        || (o.storm == null
                                && o.stormNodePid == null
                                && o.stormTimeout == null
                                && o.markerInterval == null
                                && o.reconnectDelay4200 == null
                                && o.reconnectDelayAbrupt == null
                                && o.privateFraction == null
                                && o.presenceFraction == null),
                "--storm, --storm-node-pid, --storm-timeout, --marker-interval, --reconnect-delay-4200, --reconnect-delay-abrupt,"
                        + " --private-fraction and --presence-fraction apply to reconnect-storm only");
        StormKind stormKind = o.storm != null ? o.storm : DEFAULT_STORM;
        Duration stormTimeout = o.stormTimeout != null ? o.stormTimeout : DEFAULT_STORM_TIMEOUT;
        Duration markerInterval =
                o.markerInterval != null ? o.markerInterval : DEFAULT_MARKER_INTERVAL;
        Duration delay4200 =
                o.reconnectDelay4200 != null ? o.reconnectDelay4200 : DEFAULT_RECONNECT_DELAY_4200;
        Duration delayAbrupt =
                o.reconnectDelayAbrupt != null
                        ? o.reconnectDelayAbrupt
                        : DEFAULT_RECONNECT_DELAY_ABRUPT;
        double privateFraction =
                o.privateFraction != null
                        ? o.privateFraction
                        : storm ? DEFAULT_PRIVATE_FRACTION : 0;
        double presenceFraction =
                o.presenceFraction != null
                        ? o.presenceFraction
                        : storm ? DEFAULT_PRESENCE_FRACTION : 0;
        if (storm) {
            requireStormCanRun(
                    o,
                    ports,
                    connections,
                    channels,
                    perConn,
                    rate,
                    duration,
                    warmup,
                    stormTimeout,
                    markerInterval,
                    delay4200,
                    delayAbrupt,
                    privateFraction,
                    presenceFraction);
        }
        require(o.stepFactor > 1.0, "--step-factor must be > 1");
        require(o.maxPending > 0, "--max-pending must be > 0");
        requireLoopback(o.host);
        long fdLimit = openFilesLimit();
        // reconnect-storm publishes from two pools: the steady stream and the markers
        int httpSockets =
                storm
                        ? 2 * http
                        : s == Scenario.FANOUT
                                        || s == Scenario.TRIGGER
                                        || (churn && triggerRate > 0)
                                ? http
                                : 0;
        long perProcess = (connections + procs - 1) / procs + (procs == 1 ? httpSockets : 0);
        long cap = fdLimit - 64;
        require(
                fdLimit <= 0 || perProcess <= cap,
                String.format(
                        "%,d sockets per process exceed the open-files limit of %,d: use --procs %d or more",
                        perProcess, fdLimit, (connections + cap - 1) / Math.max(1, cap)));

        return new BenchConfig(
                s.cliName,
                o.target,
                o.nchanSubPath,
                o.nchanPubPath,
                o.host,
                ports[0],
                ports,
                publishPort,
                o.appId,
                o.appKey,
                o.appSecret,
                connections,
                channels,
                perConn,
                type,
                o.channelPrefix,
                rate,
                o.payload,
                duration.toMillis(),
                warmup.toMillis(),
                o.drainTimeout.toMillis(),
                o.connectRate,
                o.maxPending,
                o.setupTimeout.toMillis(),
                o.settle.toMillis(),
                http,
                httpThreads,
                o.transport,
                threads,
                procs,
                o.childJvmOpts,
                o.serverPid,
                o.out,
                o.findMax,
                o.startRate,
                o.stepFactor,
                o.stepDuration.toMillis(),
                o.maxP99.toNanos() / 1e6,
                o.maxSteps,
                senders,
                o.eventName,
                o.localAddresses,
                o.recvBufferRing,
                o.recovery,
                o.quiet,
                lifetime.toMillis(),
                clientEventRate,
                triggerRate,
                sampleEvery.toMillis(),
                stormKind,
                o.stormNodePid,
                stormTimeout.toMillis(),
                markerInterval.toMillis(),
                delay4200.toMillis(),
                delayAbrupt.toMillis(),
                privateFraction,
                presenceFraction);
    }

    /**
     * reconnect-storm: two or more nodes, the node to take away named by a pid other than this
     * process's and the measured server's, the steady stream's rate and windows, the timings of the
     * storm and the share of private and presence clients within their bounds, and no presence
     * channel with more members than Pusher allows.
     */
    private static void requireStormCanRun(
            BenchOptions o,
            int[] ports,
            int connections,
            int channels,
            int perConn,
            double rate,
            Duration duration,
            Duration warmup,
            Duration stormTimeout,
            Duration markerInterval,
            Duration delay4200,
            Duration delayAbrupt,
            double privateFraction,
            double presenceFraction) {
        require(
                o.target == Target.PUSHER,
                "reconnect-storm needs the Pusher protocol (close code 4200, private and presence channels); it cannot run against nchan");
        require(
                o.channelType == null || o.channelType == ChannelType.PUBLIC,
                "reconnect-storm chooses each client's channel kinds itself: use --private-fraction and --presence-fraction instead of --channel-type");
        require(
                ports.length >= 2 && Arrays.stream(ports).distinct().count() == ports.length,
                "reconnect-storm needs two or more distinct nodes (--ports P1,P2): the storm node's clients reconnect to the others");
        require(
                o.stormNodePid != null,
                "reconnect-storm needs --storm-node-pid PID: the node it drains or kills (it must listen on one of --ports)");
        require(
                o.stormNodePid > 1 && o.stormNodePid != ProcessHandle.current().pid(),
                "--storm-node-pid " + o.stormNodePid + " cannot be signalled (not a server's pid)");
        require(
                o.serverPid == null || !o.serverPid.equals(o.stormNodePid),
                "--server-pid must be a node that survives the storm, not --storm-node-pid");
        require(
                rate > 0 && rate <= MAX_STORM_RATE,
                String.format(
                        Locale.ROOT,
                        "reconnect-storm needs --rate between 1 and %,.0f publishes/s: the steady stream the other clients' latency is measured on",
                        MAX_STORM_RATE));
        require(
                duration.toMillis() >= 1000 && duration.compareTo(MAX_STORM_WINDOW) <= 0,
                "reconnect-storm: --duration (each of the windows before and after the storm) must be between 1s and 1h");
        require(
                !warmup.isNegative() && warmup.compareTo(MAX_STORM_WINDOW) <= 0,
                "reconnect-storm: --warmup must be between 0s and 1h");
        require(
                stormTimeout.compareTo(MIN_STORM_TIMEOUT) >= 0
                        && stormTimeout.compareTo(MAX_STORM_TIMEOUT) <= 0,
                "--storm-timeout must be between 1s and 10m");
        require(
                markerInterval.compareTo(MIN_MARKER_INTERVAL) >= 0
                        && markerInterval.compareTo(MAX_MARKER_INTERVAL) <= 0,
                "--marker-interval must be between 10ms and 10s");
        require(
                !delay4200.isNegative()
                        && delay4200.compareTo(MAX_RECONNECT_DELAY) <= 0
                        && !delayAbrupt.isNegative()
                        && delayAbrupt.compareTo(MAX_RECONNECT_DELAY) <= 0,
                "--reconnect-delay-4200 and --reconnect-delay-abrupt must be between 0s and 60s");
        require(
                connections >= ports.length,
                "reconnect-storm needs at least one client per node: -n "
                        + connections
                        + " is fewer than the "
                        + ports.length
                        + " --ports");
        require(
                connections <= MAX_STORM_CONNECTIONS,
                String.format(
                        Locale.ROOT,
                        "reconnect-storm runs at most %,d clients",
                        MAX_STORM_CONNECTIONS));
        require(
                privateFraction >= 0
                        && privateFraction <= 1
                        && presenceFraction >= 0
                        && presenceFraction <= 1
                        && privateFraction + presenceFraction <= 1,
                "--private-fraction and --presence-fraction must each be between 0 and 1, and together at most 1");
        ChannelPlan plan =
                new ChannelPlan(
                        connections,
                        channels,
                        perConn,
                        ChannelType.PUBLIC,
                        o.channelPrefix,
                        privateFraction,
                        presenceFraction);
        int most = plan.mostPresenceMembers();
        require(
                most <= MAX_PRESENCE_MEMBERS,
                String.format(
                        Locale.ROOT,
                        "the plan puts %,d members on one presence channel, over the %d Pusher allows: use more --channels or a smaller --presence-fraction",
                        most,
                        MAX_PRESENCE_MEMBERS));
    }

    /** Longest request line nginx reads with its default {@code large_client_header_buffers}. */
    static final int NCHAN_MAX_REQUEST_LINE = 8000;

    private static final Pattern URL_PATH = Pattern.compile("/[A-Za-z0-9._~/-]{0,200}");
    private static final Pattern URL_WORD = Pattern.compile("[A-Za-z0-9._~-]{0,100}");

    /**
     * What nchan cannot do is refused here, before any connection, with the reason: it has no
     * channel authorization (so no private or presence channels, hence no client events and no
     * presence), and it multiplexes at most 255 channels on one subscriber connection.
     */
    private static void requireNchanCanRun(
            Scenario s, ChannelType type, int perConn, int channels, BenchOptions o) {
        String why =
                "nchan has no private or presence channel authorization, so --target nchan runs"
                        + " fanout, idle, trigger and churn on public channels only";
        require(
                s != Scenario.PRESENCE && s != Scenario.CLIENT_EVENTS,
                s.cliName
                        + " cannot run against nchan: it needs "
                        + (s == Scenario.PRESENCE ? "presence" : "private or presence")
                        + " channels; "
                        + why);
        require(
                type == ChannelType.PUBLIC,
                s.cliName
                        + " with --channel-type "
                        + type.name().toLowerCase(Locale.ROOT)
                        + " cannot run against nchan: "
                        + why
                        + " (use --channel-type public)");
        require(
                !o.recovery,
                "--recovery asks Herald for channel history positions; nchan has no such subscription");
        require(
                perConn <= Target.NCHAN_MAX_CHANNELS_PER_CONNECTION,
                "--channels-per-conn "
                        + perConn
                        + " is more than the "
                        + Target.NCHAN_MAX_CHANNELS_PER_CONNECTION
                        + " channels nchan multiplexes on one connection");
        require(
                o.nchanSubPath != null && URL_PATH.matcher(o.nchanSubPath).matches(),
                "--nchan-sub-path must be a path of at most 200 URL-safe characters starting with /");
        require(
                o.nchanPubPath != null && URL_PATH.matcher(o.nchanPubPath).matches(),
                "--nchan-pub-path must be a path of at most 200 URL-safe characters starting with /");
        require(
                o.channelPrefix != null && URL_WORD.matcher(o.channelPrefix).matches(),
                "--channel-prefix must be at most 100 of A-Z a-z 0-9 . _ ~ - for nchan (it goes into the URL; ',' separates channels)");
        int nameLength =
                o.channelPrefix.length() + Integer.toString(Math.max(0, channels - 1)).length();
        long line = o.nchanSubPath.length() + (long) perConn * (nameLength + 1) + 64;
        require(
                line <= NCHAN_MAX_REQUEST_LINE,
                String.format(
                        "the subscriber URL of %d channels would be about %,d bytes, over the %,d nginx reads in a request line by default",
                        perConn, line, NCHAN_MAX_REQUEST_LINE));
    }

    /** Load is generated against this machine only. */
    static void requireLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    throw new IllegalArgumentException(
                            "--host "
                                    + host
                                    + " is not a loopback address; herald-bench only loads this machine");
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host);
        }
    }

    /** Soft RLIMIT_NOFILE from /proc/self/limits, or -1 when unknown. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[0].equals("unlimited") ? -1 : Long.parseLong(f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
