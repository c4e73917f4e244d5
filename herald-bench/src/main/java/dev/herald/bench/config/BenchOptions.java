package dev.herald.bench.config;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Flags shared by every scenario. Boxed fields are null when not given, so the scenario's default
 * applies ({@link BenchConfig#resolve}).
 */
public final class BenchOptions {
    @Option(
            names = "--host",
            description = "Server host (default 127.0.0.1). Load runs target this machine only.")
    public String host = "127.0.0.1";

    @Option(
            names = {"-p", "--port"},
            description = "Server port (default 6001).")
    public Integer port;

    @Option(
            names = "--ports",
            split = ",",
            paramLabel = "PORT",
            description =
                    "Several nodes: WebSocket connection i goes to port i mod n of this list, counted over the whole run (also across --procs). Replaces -p.")
    public List<Integer> ports;

    @Option(
            names = "--publish-port",
            paramLabel = "PORT",
            description =
                    "Port the HTTP API publisher posts to (default: the first of --ports, else -p).")
    public Integer publishPort;

    @Option(
            names = "--target",
            description =
                    "Server protocol: pusher (Herald, soketi, any Pusher protocol 7 server; default) or nchan (the nginx module: WebSocket subscribers"
                            + " on --nchan-sub-path, plain HTTP POST publications to --nchan-pub-path; public channels only).")
    public Target target = Target.PUSHER;

    @Option(
            names = "--nchan-sub-path",
            description =
                    "--target nchan: subscriber location prefix; a connection opens <prefix><channel>,<channel>,... (default /sub/).")
    public String nchanSubPath = "/sub/";

    @Option(
            names = "--nchan-pub-path",
            description =
                    "--target nchan: publisher location prefix; a publication is POST <prefix><channel> (default /pub/).")
    public String nchanPubPath = "/pub/";

    @Option(names = "--app-id", description = "App id for the HTTP API (default app-id).")
    public String appId = "app-id";

    @Option(names = "--app-key", description = "App key (default app-key).")
    public String appKey = "app-key";

    @Option(
            names = "--app-secret",
            description = "App secret, for HTTP API and channel signatures (default app-secret).")
    public String appSecret = "app-secret";

    @Option(
            names = {"-n", "--connections"},
            description = "WebSocket connections (churn: concurrent slots).")
    public Integer connections;

    @Option(
            names = {"-c", "--channels"},
            description = "Distinct channels.")
    public Integer channels;

    @Option(
            names = {"-k", "--channels-per-conn"},
            description = "Channels each connection subscribes to.")
    public Integer channelsPerConn;

    @Option(
            names = "--channel-type",
            description =
                    "public, private, presence (signed with --app-secret) or, for churn, mixed (channel i is public, private, presence by i mod 3).")
    public ChannelType channelType;

    @Option(
            names = "--channel-prefix",
            description = "Channel name stem after the type prefix (default bench-).")
    public String channelPrefix = "bench-";

    @Option(
            names = {"-r", "--rate"},
            description =
                    "Scenario rate per second: publishes (fanout, trigger), client events, toggles, cycles. 0 = as fast as possible where allowed.")
    public Double rate;

    @Option(
            names = "--payload",
            description = "Event data size in bytes (default 100, minimum 35).")
    public int payload = 100;

    @Option(
            names = {"-d", "--duration"},
            converter = Durations.class,
            description = "Measured time (default per scenario).")
    public Duration duration;

    @Option(
            names = "--warmup",
            converter = Durations.class,
            description = "Load before measuring, discarded.")
    public Duration warmup;

    @Option(
            names = "--drain-timeout",
            converter = Durations.class,
            description =
                    "Wait this long for in-flight deliveries after publishing stops (default 5s).")
    public Duration drainTimeout = Duration.ofSeconds(5);

    @Option(
            names = "--connect-rate",
            description =
                    "New connections per second during ramp-up, 0 = limited by --max-pending only (default 0).")
    public double connectRate = 0;

    @Option(
            names = "--max-pending",
            description = "Connections being set up at once (default 500).")
    public int maxPending = 500;

    @Option(
            names = "--setup-timeout",
            converter = Durations.class,
            description = "Give up on ramp-up after this long (default 120s).")
    public Duration setupTimeout = Duration.ofSeconds(120);

    @Option(
            names = "--settle",
            converter = Durations.class,
            description = "Pause after setup before reading server memory (default 2s).")
    public Duration settle = Duration.ofSeconds(2);

    @Option(
            names = "--http-connections",
            description = "Keep-alive HTTP connections for publishing.")
    public Integer httpConnections;

    @Option(
            names = "--http-threads",
            description = "Event loops for the HTTP publisher (default 1; trigger: one per core).")
    public Integer httpThreads;

    @Option(
            names = "--transport",
            description =
                    "auto, io_uring, epoll or nio (default auto: io_uring, else epoll, else nio).")
    public String transport = "auto";

    @Option(
            names = "--threads",
            description =
                    "Event loops for WebSocket connections per process (default: cores, divided among --procs).")
    public Integer threads;

    @Option(
            names = "--procs",
            description =
                    "Generator processes holding the WebSocket connections (default 1 = in this process). Each process may hold ~19,000 sockets.")
    public int procs = 1;

    @Option(
            names = "--child-jvm-opts",
            description = "JVM options for child processes (default -Xms256m -XX:+UseParallelGC).")
    public String childJvmOpts = "-Xms256m -XX:+UseParallelGC";

    @Option(
            names = "--server-pid",
            description =
                    "Server process id: report its CPU per delivery and RSS per connection from /proc, counting its child processes too (nginx workers).")
    public Long serverPid;

    @Option(
            names = "--out",
            description =
                    "JSON result file (default bench-results/<scenario>-<timestamp>.json); the SVG chart goes next to it.")
    public String out;

    @Option(
            names = "--find-max",
            description =
                    "fanout: raise the publish rate in steps until p99 exceeds --max-p99 or a delivery is lost; report the last good rate.")
    public boolean findMax;

    @Option(names = "--start-rate", description = "--find-max: first publish rate (default 10).")
    public double startRate = 10;

    @Option(
            names = "--step-factor",
            description = "--find-max: rate multiplier per step (default 1.25).")
    public double stepFactor = 1.25;

    @Option(
            names = "--step-duration",
            converter = Durations.class,
            description = "--find-max: measured time per step (default 10s).")
    public Duration stepDuration = Duration.ofSeconds(10);

    @Option(
            names = "--max-p99",
            converter = Durations.class,
            description = "--find-max: p99 beyond which latency has broken (default 50ms).")
    public Duration maxP99 = Duration.ofMillis(50);

    @Option(names = "--max-steps", description = "--find-max: most steps (default 30).")
    public int maxSteps = 30;

    @Option(
            names = "--senders",
            description = "client-events: how many connections send (default all).")
    public Integer senders;

    @Option(
            names = "--event-name",
            description =
                    "Event name for publications (default bench; client events get client-bench).")
    public String eventName = "bench";

    @Option(
            names = "--local-addresses",
            description =
                    "Source addresses for WebSocket connections, round-robin, e.g. 127.0.0.1-127.0.0.8 (loopback only): more ephemeral ports.")
    public String localAddresses;

    @Option(
            names = "--recv-buffer-ring",
            description =
                    "io_uring: WebSocket receives through a kernel-provided buffer ring (multishot receive), fewer submissions per read.")
    public boolean recvBufferRing;

    @Option(
            names = "--recovery",
            description =
                    "Subscribe asking for channel history positions (herald_recovery), as Herald's recovery add-ons do: on channels with history each event then comes with its position frame.")
    public boolean recovery;

    @Option(
            names = "--lifetime",
            converter = Durations.class,
            description =
                    "churn: how long a connection stays open once subscribed, sending client events (default 4s; 0 = close at once).")
    public Duration lifetime;

    @Option(
            names = "--client-event-rate",
            description =
                    "churn: client events/s each connection sends, over its private and presence channels in turn (default 1; 0 = none).")
    public Double clientEventRate;

    @Option(
            names = "--trigger-rate",
            description =
                    "churn: HTTP API publishes/s to the public channels beside the churn, round-robin (default 20; 0 = none).")
    public Double triggerRate;

    @Option(
            names = "--sample-every",
            converter = Durations.class,
            description =
                    "churn with --server-pid: sample the server's RSS, open files and live heap after a forced full GC (jcmd) this often (default 0 = off). Samples go to a CSV and an SVG chart next to the JSON.")
    public Duration sampleEvery;

    @Option(
            names = "--storm",
            paramLabel = "KIND",
            description =
                    "reconnect-storm: drain (SIGTERM: the node closes its clients with 4200 and exits) or kill (SIGKILL) the node (default drain).")
    public StormKind storm;

    @Option(
            names = "--storm-node-pid",
            paramLabel = "PID",
            description =
                    "reconnect-storm: process id of the node to drain or kill; it must listen on one of --ports (checked before anything connects).")
    public Long stormNodePid;

    @Option(
            names = "--storm-timeout",
            converter = Durations.class,
            description =
                    "reconnect-storm: a moved client not back this long after the signal counts as never back (default 60s, 1s-10m).")
    public Duration stormTimeout;

    @Option(
            names = "--marker-interval",
            converter = Durations.class,
            description =
                    "reconnect-storm: during the recovery a marker event goes this often to the last channel of each moved client that has subscribed again and waits for one (default 100ms, 10ms-10s).")
    public Duration markerInterval;

    @Option(
            names = "--reconnect-delay-4200",
            converter = Durations.class,
            description =
                    "reconnect-storm: wait before reconnecting after close code 4200-4299 (default 0s: pusher-js reconnects at once).")
    public Duration reconnectDelay4200;

    @Option(
            names = "--reconnect-delay-abrupt",
            converter = Durations.class,
            description =
                    "reconnect-storm: wait before reconnecting after a close without a Pusher code (no close frame, 1000-3999) or 4100-4199, and after a failed reconnect"
                            + " (default 1s, as pusher-js; 0-60s).")
    public Duration reconnectDelayAbrupt;

    @Option(
            names = "--private-fraction",
            description =
                    "reconnect-storm: share of the clients whose last channel is private (default 0.2).")
    public Double privateFraction;

    @Option(
            names = "--presence-fraction",
            description =
                    "reconnect-storm: share of the clients whose last channel is a presence channel (default 0.1).")
    public Double presenceFraction;

    @Option(
            names = "--dry-run",
            description =
                    "Check the flags against the scenario and the target, print the resolved run and exit: no connection is made (exit code 2 and the reason if the run is refused).")
    public boolean dryRun;

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress line.")
    public boolean quiet;
}
