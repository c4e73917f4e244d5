package dev.herald.config;

import dev.herald.apps.AppSettings;
import dev.herald.apps.HistoryRule;
import dev.herald.http.TrustedProxies;
import dev.herald.limits.MessageBudget;
import dev.herald.settings.Bound;
import dev.herald.settings.Setting;
import dev.herald.settings.Types;
import dev.herald.transport.FanoutSend;
import dev.herald.transport.TransportKind;
import dev.herald.webhooks.WebhookSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every setting of the server, each a flag whose default comes from its {@code HERALD_*} variable,
 * then from the default here: the schema {@link ConfigLoader} builds a {@link HeraldConfig} from
 * and {@code docs/configuration.md} documents.
 *
 * <p>{@link #commandLine()} lists the flags in the order of {@code --help}: these settings, with
 * the default app's (from {@link AppSettings}) placed among them by {@link #defaultApp}. An app
 * setting given a flag but not placed comes last.
 *
 * <p>Defaults owned by the part that uses the setting ({@link WebhookSettings}, {@link
 * MessageBudget}) are taken from there, so each default is written once.
 *
 * <p>To add a server setting: declare it here with {@link #server}, give {@link HeraldConfig} the
 * component, and read it in {@link ConfigLoader}; then run {@link SettingsDocs} to add its row to
 * {@code docs/configuration.md}.
 */
public final class ServerSettings {

    private static final List<Setting<?>> SERVER = new ArrayList<>();
    private static final List<Setting<?>> COMMAND_LINE = new ArrayList<>();

    static final long DEFAULT_HISTORY_MAX_BYTES = 64L << 20;
    static final long MIN_HISTORY_MAX_BYTES = 1L << 20;

    /**
     * The warm-up's time bound ({@link #WARM_UP}): never more than this long before the node is
     * ready, whatever {@link #WARM_UP_CONNECTIONS} asks.
     */
    public static final long WARM_UP_BUDGET_MILLIS = 4_000;

    // the docs tables of docs/configuration.md
    static final String ESSENTIALS = "essentials";
    static final String DEFAULT_APP = "default-app";
    static final String WEBHOOKS = "webhooks";
    static final String REDIS = "redis";
    static final String NODE = "node";
    static final String TRANSPORT = "transport";
    static final String APPS_DATABASE = "apps-database";
    static final String CONSOLE = "console";

    public static final Setting<String> HOST =
            server(
                    Setting.of("host", Types.STRING)
                            .defaultValue("127.0.0.1")
                            .flag(
                                    "--host",
                                    "HERALD_HOST",
                                    "Address to listen on; any other than loopback needs a secret of your own "
                                            + "(HERALD_HOST).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "address to listen on. Any address that is not loopback (`0.0.0.0`, `::`, an "
                                            + "interface's own address) needs a secret of your own: while any app uses the published default "
                                            + "secret `app-secret`, the server refuses to start there (exit code 2, naming "
                                            + "`HERALD_APP_SECRET`)"));

    public static final Setting<Integer> PORT =
            server(
                    Setting.of("port", Types.INT)
                            .defaultValue(6001)
                            .bound(Bound.between(0, 65535, "must be 0-65535"))
                            .flag(
                                    "--port",
                                    "HERALD_PORT",
                                    "Port for WebSocket and HTTP API (HERALD_PORT).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "WebSocket (`/app/{key}`) and HTTP API (`/apps/{id}/…`) port"));

    public static final Setting<String> PATH_PREFIX =
            server(
                    Setting.of("path_prefix", Types.OPTIONAL_STRING)
                            .bound(
                                    Bound.rule(
                                            ServerSettings::pathPrefixProblem,
                                            "must be a path such as /ws"))
                            .flag(
                                    "--path-prefix",
                                    "HERALD_PATH_PREFIX",
                                    "Serve the WebSocket and HTTP API under this path, such "
                                            + "as /ws, behind a proxy that forwards it (HERALD_PATH_PREFIX).")
                            .doc(
                                    ESSENTIALS,
                                    "none",
                                    "path the WebSocket (`{prefix}/app/{key}`) and HTTP API (`{prefix}/apps/{id}/…`) "
                                            + "are served under, for a proxy that forwards a path such as `/ws` unchanged. Requests are "
                                            + "signed without it, as Pusher's server libraries (and Laravel's `path` option) sign them; "
                                            + "`/health`, `/ready` and `/up` answer at the root too"));

    public static final Setting<List<String>> TRUSTED_PROXIES =
            server(
                    Setting.of("trusted_proxies", Types.STRINGS)
                            .defaultValue(List.of())
                            .bound(
                                    Bound.rule(
                                            ServerSettings::trustedProxiesProblem,
                                            "must be IP addresses or ranges such as "
                                                    + "10.0.0.0/8"))
                            .flag(
                                    "--trusted-proxies",
                                    "HERALD_TRUSTED_PROXIES",
                                    "Reverse proxies whose X-Forwarded-For names the "
                                            + "client, comma-separated addresses or ranges such as 10.0.0.0/8 (HERALD_TRUSTED_PROXIES).")
                            .doc(
                                    ESSENTIALS,
                                    "none",
                                    "comma-separated addresses or ranges (`10.0.0.0/8`, `::1`) of the reverse "
                                            + "proxies in front of Herald. A WebSocket upgrade from one of them counts, for the per-address "
                                            + "connection rate, against the nearest address in its `X-Forwarded-For` that is not a proxy; "
                                            + "from anyone else the header is ignored, so clients cannot choose their address"));

    static String trustedProxiesProblem(List<String> entries) {
        for (String entry : entries) {
            String problem = TrustedProxies.problem(entry);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /**
     * Why a path prefix is refused, or {@code null}: one or more segments of URL-safe characters.
     */
    static String pathPrefixProblem(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return null;
        }
        if (prefix.length() > 100) {
            return "must be at most 100 characters, got " + prefix.length();
        }
        if (!prefix.matches("(/[A-Za-z0-9._~-]+)+") || prefix.matches(".*/\\.{1,2}(/.*)?")) {
            return "must be a path such as /ws: segments of A-Z a-z 0-9 . _ ~ -, each after a /, none '.' or '..', "
                    + "no / at the end; got '"
                    + prefix
                    + "'";
        }
        return null;
    }

    static {
        defaultApp(
                AppSettings.ID,
                AppSettings.KEY,
                AppSettings.SECRET,
                AppSettings.CLIENT_EVENTS,
                AppSettings.USER_AUTHENTICATION,
                AppSettings.WATCHLIST,
                AppSettings.SUBSCRIPTION_COUNT,
                AppSettings.AUTHORIZED_CONNECTIONS,
                AppSettings.AUTHORIZED_CONNECTION_TIMEOUT,
                AppSettings.MAX_CONNECTIONS,
                AppSettings.WEBHOOKS,
                AppSettings.MAX_WATCHLIST_SIZE,
                AppSettings.CACHE_TTL);
    }

    public static final Setting<Path> CONFIG =
            server(
                    Setting.of("config", Types.PATH)
                            .flag(
                                    "--config",
                                    "HERALD_CONFIG",
                                    "YAML file declaring apps (HERALD_CONFIG). With it, the default app "
                                            + "is served only if HERALD_APP_ID, HERALD_APP_KEY or HERALD_APP_SECRET (or their flags) are set.")
                            .label("configFile")
                            .doc(ESSENTIALS, null, "YAML file declaring apps (below)"));

    static {
        defaultApp(
                AppSettings.MAX_EVENT_BYTES,
                AppSettings.MAX_CHANNELS_PER_CONNECTION,
                AppSettings.MAX_PRESENCE_MEMBERS,
                AppSettings.MAX_PRESENCE_USER_INFO_BYTES,
                AppSettings.CLIENT_EVENTS_PER_SECOND,
                AppSettings.MAX_CHANNEL_NAME_LENGTH);
    }

    public static final Setting<Integer> ACTIVITY_TIMEOUT =
            server(
                    Setting.of("activity_timeout", Types.INT)
                            .defaultValue(120)
                            .bound(Bound.positive("must be > 0 seconds"))
                            .flag(
                                    "--activity-timeout",
                                    "HERALD_ACTIVITY_TIMEOUT",
                                    "Seconds of silence before a connection is "
                                            + "probed; sent to clients (HERALD_ACTIVITY_TIMEOUT).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "seconds of silence before a connection is probed with a WebSocket ping; sent to "
                                            + "clients as `activity_timeout`"));

    public static final Setting<Integer> PONG_TIMEOUT =
            server(
                    Setting.of("pong_timeout", Types.INT)
                            .defaultValue(30)
                            .bound(Bound.positive("must be > 0 seconds"))
                            .flag(
                                    "--pong-timeout",
                                    "HERALD_PONG_TIMEOUT",
                                    "Seconds to wait for any reply to a probe before closing "
                                            + "with 4201 (HERALD_PONG_TIMEOUT).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "seconds to wait for anything after a probe before closing with 4201"));

    public static final Setting<TransportKind> TRANSPORT_KIND =
            server(
                    Setting.of("transport", Types.choice(TransportKind.class))
                            .defaultValue(TransportKind.AUTO)
                            .flag(
                                    "--transport",
                                    "HERALD_TRANSPORT",
                                    "auto, io_uring, epoll or nio (HERALD_TRANSPORT).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "`auto` (epoll, else NIO), `io_uring`, `epoll` or `nio`. io_uring is not chosen "
                                            + "by `auto`: under overload it collapsed where epoll kept up (docs/benchmarks.md). Only epoll "
                                            + "sends fan-out frames straight to an idle subscriber's socket (without TLS); the others always "
                                            + "write through the pipeline"));

    public static final Setting<FanoutSend> FANOUT_SEND =
            server(
                    Setting.of("fanout_send", Types.choice(FanoutSend.class))
                            .defaultValue(FanoutSend.AUTO)
                            .flag(
                                    "--fanout-send",
                                    "HERALD_FANOUT_SEND",
                                    "auto, io_uring or send (HERALD_FANOUT_SEND).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "How the epoll transport sends a publication to the subscribers of a loop that have nothing "
                                            + "queued. `auto`: in one io_uring system call for up to 1,024 sockets where the build "
                                            + "has the native part (a C compiler at build time) and the kernel allows io_uring, "
                                            + "else one `send()` per socket; `io_uring`: the batch or no start (the log says why); "
                                            + "`send`: one `send()` per socket. The log says at start which one runs. Other "
                                            + "transports and TLS listeners write through the pipeline whatever this says"));

    public static final Setting<Integer> EVENT_LOOP_THREADS =
            server(
                    Setting.of("event_loop_threads", Types.INT)
                            .defaultValue(0)
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = one per core)"))
                            .flag(
                                    "--event-loop-threads",
                                    "HERALD_EVENT_LOOP_THREADS",
                                    "Event loop threads; 0 = one per core "
                                            + "(HERALD_EVENT_LOOP_THREADS).")
                            .doc(TRANSPORT, null, "event loops; 0 = one per core"));

    public static final Setting<Integer> WRITE_BUFFER_HIGH_WATER_MARK =
            server(
                    Setting.of("write_buffer_high_water_mark", Types.INT)
                            .defaultValue(1 << 20)
                            .bound(Bound.atLeast(8192, "must be >= 8192 bytes"))
                            .flag(
                                    "--write-buffer-high-water-mark",
                                    "HERALD_WRITE_BUFFER_HIGH_WATER_MARK",
                                    "Bytes queued for "
                                            + "one slow client before it is closed with 4100 (HERALD_WRITE_BUFFER_HIGH_WATER_MARK).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "bytes queued for one client (fan-out, answers to its own messages and "
                                            + "WebSocket pongs alike) past which Herald stops reading from it and watches it: if its "
                                            + "socket then takes nothing for 200 ms it is a slow consumer and closed with 4100; past "
                                            + "8 times this it is closed at once. Reading resumes below half the mark"));

    public static final Setting<Integer> MAX_FRAME_BYTES =
            server(
                    Setting.of("max_frame_bytes", Types.INT)
                            .defaultValue(256 * 1024)
                            .bound(Bound.atLeast(1024, "must be >= 1024"))
                            .flag(
                                    "--max-frame-bytes",
                                    "HERALD_MAX_FRAME_BYTES",
                                    "Largest inbound WebSocket message; larger ones are "
                                            + "closed with 1009 (HERALD_MAX_FRAME_BYTES).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "largest inbound WebSocket message (larger: close 1009)"));

    public static final Setting<Integer> METRICS_PORT =
            server(
                    Setting.of("metrics_port", Types.INT)
                            .defaultValue(9601)
                            .bound(
                                    Bound.between(
                                            -1,
                                            65535,
                                            "must be 0-65535, or -1 to turn the metrics "
                                                    + "listener off"))
                            .flag(
                                    "--metrics-port",
                                    "HERALD_METRICS_PORT",
                                    "Port for /metrics (Prometheus), /health and /ready; "
                                            + "-1 = off (HERALD_METRICS_PORT).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "`/metrics` (Prometheus), `/health`, `/ready`; `-1` turns it off. If the "
                                            + "default port is taken the node runs without it and warns; an explicitly set port that cannot "
                                            + "be bound stops start-up"));

    public static final Setting<String> METRICS_HOST =
            server(
                    Setting.of("metrics_host", Types.OPTIONAL_STRING)
                            .flag(
                                    "--metrics-host",
                                    "HERALD_METRICS_HOST",
                                    "Address of the metrics port; default: the --host "
                                            + "address (HERALD_METRICS_HOST).")
                            .doc(
                                    ESSENTIALS,
                                    "the `--host` address",
                                    "address of the metrics port. It has no authentication: keep "
                                            + "it on loopback or a private network (`HERALD_HOST=0.0.0.0 HERALD_METRICS_HOST=127.0.0.1` "
                                            + "exposes clients' port only)"));

    public static final Setting<Boolean> CONSOLE_ENABLED =
            server(
                    Setting.of("console", Types.BOOLEAN)
                            .defaultValue(true)
                            .flag(
                                    "--console",
                                    "HERALD_CONSOLE",
                                    "Serve the console at /console/ on the metrics port "
                                            + "(HERALD_CONSOLE).")
                            .doc(
                                    CONSOLE,
                                    null,
                                    "the console (docs/console.md) on the metrics port; `false` turns it off "
                                            + "(`/console/` answers 404)"));

    public static final Setting<String> CONSOLE_TOKEN =
            server(
                    Setting.of("console_token", Types.OPTIONAL_STRING)
                            .bound(
                                    new Bound<>(
                                            v ->
                                                    v == null
                                                            || (v.length() >= 16
                                                                    && v.length() <= 256),
                                            "must be 16 to 256 characters"))
                            .flag(
                                    "--console-token",
                                    "HERALD_CONSOLE_TOKEN",
                                    "Token that signs in to the console; default: none, and a "
                                            + "one-time link is logged (HERALD_CONSOLE_TOKEN).")
                            .secret()
                            .doc(
                                    CONSOLE,
                                    "none: a one-time link is logged",
                                    "the console's token: `/console/?token=TOKEN` signs a browser in, scripts send "
                                            + "`Authorization: Bearer TOKEN`. Without it each node generates a key at start and "
                                            + "logs a sign-in link that works once, for 10 minutes"));

    public static final Setting<Integer> CONSOLE_MAX_VIEWERS =
            server(
                    Setting.of("console_max_viewers", Types.INT)
                            .defaultValue(8)
                            .bound(Bound.between(1, 100, "must be 1-100"))
                            .flag(
                                    "--console-max-viewers",
                                    "HERALD_CONSOLE_MAX_VIEWERS",
                                    "Debug streams open at once on this node "
                                            + "(HERALD_CONSOLE_MAX_VIEWERS).")
                            .doc(
                                    CONSOLE,
                                    null,
                                    "debug streams a node serves at once; one more is refused with 429"));

    public static final Setting<Path> CONSOLE_KEY_FILE =
            server(
                    Setting.of("console_key_file", Types.PATH)
                            .flag(
                                    "--console-key-file",
                                    "HERALD_CONSOLE_KEY_FILE",
                                    "Where a node without a console token keeps its generated "
                                            + "key, for `herald console-link` (HERALD_CONSOLE_KEY_FILE).")
                            .doc(
                                    CONSOLE,
                                    "`herald-console-PORT.key` in the temporary directory",
                                    "file (mode 600) holding the key a node generates when no console token is set, read "
                                            + "by `herald console-link`; removed when the node stops"));

    public static final Setting<Double> EVENT_LOOP_STUCK_SECONDS =
            server(
                    Setting.of("event_loop_stuck_seconds", Types.DOUBLE)
                            .defaultValue(10.0)
                            .bound(new Bound<>(v -> v > 0, "must be > 0"))
                            .flag(
                                    "--event-loop-stuck-seconds",
                                    "HERALD_EVENT_LOOP_STUCK_SECONDS",
                                    "Seconds an event loop "
                                            + "may go without turning before /health answers 503 (HERALD_EVENT_LOOP_STUCK_SECONDS).")
                            .doc(
                                    NODE,
                                    null,
                                    "an event loop that has not run the watchdog's probe (posted every second) for "
                                            + "this long is stuck: `/health` and `/ready` answer 503 with "
                                            + "`{\"status\":\"stuck\",\"stuck_event_loops\":[\"event-loop-1\"]}` on both ports, and "
                                            + "`herald_event_loops_stuck` counts them"));

    public static final Setting<Boolean> WARM_UP =
            server(
                    Setting.of("warm_up", Types.BOOLEAN)
                            .defaultValue(true)
                            .flag(
                                    "--warm-up",
                                    "HERALD_WARM_UP",
                                    "Before the ports open, run a few thousand WebSocket "
                                            + "handshakes against a private copy of the server, so that the first clients "
                                            + "meet compiled code (HERALD_WARM_UP).")
                            .doc(
                                    NODE,
                                    null,
                                    "at start, before its ports open (and so before `/ready` answers 200), the node opens up to "
                                            + "`--warm-up-connections` (3,000)"
                                            + " WebSocket connections over loopback to a private listener on its own "
                                            + "event loops (upgrade, `pusher:connection_established`, a subscription, "
                                            + "a ping, a close), for at most "
                                            + WARM_UP_BUDGET_MILLIS
                                            + " ms, so that the JVM has loaded and compiled that path before the first "
                                            + "clients come (in plain text, also when the port serves TLS). They use an "
                                            + "app, connection limits, metrics and channels "
                                            + "of their own: no app, metric, console figure, webhook or per-address "
                                            + "budget sees them. `false` skips it"));

    /**
     * The default is enough handshakes for the JIT's optimizing tier to compile most of the path:
     * after 400, a just-started node's first 5,000 connections still caused about four times the
     * compilations that remain after 3,000 (docs/benchmarks.md).
     */
    public static final Setting<Integer> WARM_UP_CONNECTIONS =
            server(
                    Setting.of("warm_up_connections", Types.INT)
                            .defaultValue(3_000)
                            .bound(Bound.between(1, 20_000, "must be 1-20000"))
                            .flag(
                                    "--warm-up-connections",
                                    "HERALD_WARM_UP_CONNECTIONS",
                                    "Connections the start-up warm-up runs, at most "
                                            + "(HERALD_WARM_UP_CONNECTIONS).")
                            .doc(
                                    NODE,
                                    null,
                                    "how many connections the warm-up (`--warm-up`) runs at most, within its "
                                            + WARM_UP_BUDGET_MILLIS
                                            + " ms; fewer make the ports open sooner and leave more of the "
                                            + "compiling to the first clients"));

    public static final Setting<Integer> MAX_CONNECTIONS =
            server(
                    Setting.of("max_connections", Types.INT)
                            .defaultValue(0)
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = no limit)"))
                            .flag(
                                    "--max-connections",
                                    "HERALD_MAX_CONNECTIONS",
                                    "Connections this node accepts, all apps together; "
                                            + "0 = no limit; beyond it 4100 (HERALD_MAX_CONNECTIONS).")
                            .doc(
                                    NODE,
                                    "`0` (none)",
                                    "WebSocket connections this node accepts, all apps together; beyond it 4100"));

    public static final Setting<Integer> MAX_CONNECTIONS_PER_IP_PER_SECOND =
            server(
                    Setting.of("max_connections_per_ip_per_second", Types.INT)
                            .defaultValue(0)
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = no limit)"))
                            .flag(
                                    "--max-connections-per-ip-per-second",
                                    "HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND",
                                    "New WebSocket connections per second from one IP address; 0 = no limit; beyond it 4100 "
                                            + "(HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND).")
                            .doc(
                                    NODE,
                                    "`0` (none)",
                                    "new WebSocket connections per second from one address; beyond it 4100"));

    public static final Setting<Path> TLS_CERT =
            server(
                    Setting.of("tls_cert", Types.PATH)
                            .flag(
                                    "--tls-cert",
                                    "HERALD_TLS_CERT",
                                    "PEM certificate chain; with --tls-key, serves wss:// and "
                                            + "https:// (HERALD_TLS_CERT).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "PEM certificate chain; with `--tls-key` the port serves `wss://` and "
                                            + "`https://`"));

    public static final Setting<Path> TLS_KEY =
            server(
                    Setting.of("tls_key", Types.PATH)
                            .flag(
                                    "--tls-key",
                                    "HERALD_TLS_KEY",
                                    "PEM private key for --tls-cert (HERALD_TLS_KEY).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "PEM private key (PKCS#8, as `openssl genpkey` writes)"));

    static {
        defaultApp(
                AppSettings.ALLOWED_ORIGINS,
                AppSettings.API_REQUESTS_PER_SECOND,
                AppSettings.HISTORY);
    }

    // One app setting has one flag, and a history rule has three parts: the default app's rules
    // take their size and age from these two, which set nothing else.
    public static final Setting<Integer> APP_HISTORY_SIZE =
            server(
                    Setting.of("app_history_size", Types.INT)
                            .defaultValue(HistoryRule.DEFAULT_SIZE)
                            .bound(
                                    Bound.between(
                                            1,
                                            HistoryRule.MAX_SIZE,
                                            "must be 1-" + HistoryRule.MAX_SIZE))
                            .flag(
                                    "--app-history-size",
                                    "HERALD_APP_HISTORY_SIZE",
                                    "Events kept per channel by the default app's history rules "
                                            + "(--app-history-channels), 1-10000; apps of the apps file or database "
                                            + "give their own (HERALD_APP_HISTORY_SIZE).")
                            .doc(
                                    DEFAULT_APP,
                                    null,
                                    "events (1–10,000) kept per channel by each rule of "
                                            + "`--app-history-channels`; the default app's rules only; refused without "
                                            + "that flag"));

    public static final Setting<Integer> APP_HISTORY_TTL_SECONDS =
            server(
                    Setting.of("app_history_ttl_seconds", Types.INT)
                            .defaultValue(HistoryRule.DEFAULT_TTL_SECONDS)
                            .bound(
                                    Bound.between(
                                            1,
                                            HistoryRule.MAX_TTL_SECONDS,
                                            "must be 1-"
                                                    + HistoryRule.MAX_TTL_SECONDS
                                                    + " seconds"))
                            .flag(
                                    "--app-history-ttl-seconds",
                                    "HERALD_APP_HISTORY_TTL_SECONDS",
                                    "Seconds each event is kept by the default app's history rules "
                                            + "(--app-history-channels), 1-86400; apps of the apps file or database "
                                            + "give their own (HERALD_APP_HISTORY_TTL_SECONDS).")
                            .doc(
                                    DEFAULT_APP,
                                    null,
                                    "seconds (1–86,400) each event is kept by each rule of "
                                            + "`--app-history-channels`; the default app's rules only; refused without "
                                            + "that flag"));

    public static final Setting<String> LOG_LEVEL =
            server(
                    Setting.of("log_level", Types.STRING)
                            .defaultValue("INFO")
                            .flag(
                                    "--log-level",
                                    "HERALD_LOG_LEVEL",
                                    "TRACE, DEBUG, INFO, WARN or ERROR (HERALD_LOG_LEVEL).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "root log level: TRACE, DEBUG, INFO, WARN, ERROR"));

    public static final Setting<String> LOG_FORMAT =
            server(
                    Setting.of("log_format", Types.STRING)
                            .defaultValue("text")
                            .flag(
                                    "--log-format",
                                    "HERALD_LOG_FORMAT",
                                    "text or json (one JSON object per line) (HERALD_LOG_FORMAT).")
                            .doc(
                                    ESSENTIALS,
                                    null,
                                    "`text`, or `json` for one JSON object per line"));

    /** Nodes beyond these are discovered from the cluster: a longer list is a mistake. */
    static final int MAX_REDIS_CLUSTER_NODES = 64;

    public static final Setting<String> REDIS_URL =
            server(
                    Setting.of("redis_url", Types.OPTIONAL_STRING)
                            .bound(
                                    new Bound<>(
                                            v ->
                                                    v.startsWith("redis://")
                                                            || v.startsWith("rediss://")
                                                            || v.startsWith("redis-sentinel://"),
                                            "must start with redis://, rediss:// or redis-sentinel://"))
                            .flag(
                                    "--redis-url",
                                    "HERALD_REDIS_URL",
                                    "redis://host:port: run as one node of a cluster sharing this "
                                            + "Redis (HERALD_REDIS_URL).")
                            .secret()
                            .doc(
                                    REDIS,
                                    "none (one node)",
                                    "`redis://host:port` (or `rediss://`, `redis://:password@host:port`): "
                                            + "this node joins the cluster sharing that Redis; a password is masked in messages and never "
                                            + "shown by `--help`. `redis-sentinel://host1:26379,host2:26379/0#mymaster` finds the "
                                            + "master `mymaster` through its sentinels and follows failovers (docs/scaling.md)"));

    public static final Setting<List<String>> REDIS_CLUSTER_NODES =
            server(
                    Setting.of("redis_cluster_nodes", Types.STRINGS)
                            .defaultValue(List.of())
                            .bound(
                                    Bound.rule(
                                            ServerSettings::clusterNodesProblem,
                                            "must be at most "
                                                    + MAX_REDIS_CLUSTER_NODES
                                                    + " host:port entries"))
                            .flag(
                                    "--redis-cluster-nodes",
                                    "HERALD_REDIS_CLUSTER_NODES",
                                    "host:port,host:port,...: run as one node of a cluster sharing "
                                            + "this Redis Cluster (HERALD_REDIS_CLUSTER_NODES).")
                            .doc(
                                    REDIS,
                                    "none",
                                    "comma-separated `host:port` of some nodes of a Redis Cluster (7 or later; the rest are "
                                            + "discovered): this node joins the Herald cluster sharing it, with publications on "
                                            + "sharded pub/sub (docs/scaling.md). Not together with `HERALD_REDIS_URL`"));

    public static final Setting<String> REDIS_USERNAME =
            server(
                    Setting.of("redis_username", Types.STRING)
                            .flag(null, "HERALD_REDIS_USERNAME", null)
                            .doc(
                                    REDIS,
                                    null,
                                    "the Redis Cluster's ACL user, with `HERALD_REDIS_PASSWORD` (a URL carries its own)"));

    public static final Setting<String> REDIS_PASSWORD =
            server(
                    Setting.of("redis_password", Types.STRING)
                            .flag(null, "HERALD_REDIS_PASSWORD", null)
                            .secret()
                            .doc(
                                    REDIS,
                                    null,
                                    "the Redis Cluster's password (a URL carries its own; never a flag, so it stays out of `ps`)"));

    public static final Setting<Boolean> REDIS_TLS =
            server(
                    Setting.of("redis_tls", Types.BOOLEAN)
                            .defaultValue(false)
                            .flag(
                                    "--redis-tls",
                                    "HERALD_REDIS_TLS",
                                    "Speak TLS to the Redis Cluster's nodes (HERALD_REDIS_TLS).")
                            .doc(
                                    REDIS,
                                    null,
                                    "speak TLS to the Redis Cluster's nodes, verified against the JVM's trust store "
                                            + "(`rediss://` does this for a URL)"));

    /**
     * Why {@code hostPort} is not a {@code host:port} with a port in 1–65535; {@code null} if it
     * is.
     */
    static String hostPortProblem(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return "'" + hostPort + "' is not host:port";
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 1 || port > 65_535) {
                return "'" + hostPort + "' has a port outside 1-65535";
            }
        } catch (NumberFormatException e) {
            return "'" + hostPort + "' is not host:port";
        }
        return null;
    }

    public static final Setting<Boolean> REDIS_SHARDED_PUBSUB =
            server(
                    Setting.of("redis_sharded_pubsub", Types.BOOLEAN)
                            .defaultValue(true)
                            .flag(
                                    "--redis-sharded-pubsub",
                                    "HERALD_REDIS_SHARDED_PUBSUB",
                                    "Relay publications over the Redis Cluster's sharded pub/sub "
                                            + "(HERALD_REDIS_SHARDED_PUBSUB).")
                            .doc(
                                    REDIS,
                                    null,
                                    "on a Redis Cluster, relay publications with `SPUBLISH`/`SSUBSCRIBE`, so each reaches "
                                            + "only its channel's shard; `false` uses classic pub/sub, which every shard relays to "
                                            + "every other (for Redis 6, or to measure the difference: docs/scaling.md)"));

    static String clusterNodesProblem(List<String> entries) {
        if (entries.size() > MAX_REDIS_CLUSTER_NODES) {
            return entries.size()
                    + " nodes given: name at most "
                    + MAX_REDIS_CLUSTER_NODES
                    + ", the rest are discovered";
        }
        for (String entry : entries) {
            String problem = hostPortProblem(entry);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    public static final Setting<Integer> NODE_LEASE =
            server(
                    Setting.of("node_lease", Types.INT)
                            .defaultValue(20)
                            .bound(Bound.atLeast(2, "must be >= 2 seconds"))
                            .flag(
                                    "--node-lease",
                                    "HERALD_NODE_LEASE_SECONDS",
                                    "Seconds a silent node keeps its members and counts "
                                            + "in the cluster (HERALD_NODE_LEASE_SECONDS).")
                            .doc(
                                    REDIS,
                                    null,
                                    "a node that stops heartbeating keeps its members and counts in the cluster this long; "
                                            + "then they disappear and the matching events and webhooks fire"));

    public static final Setting<String> APPS_JDBC_URL =
            server(
                    Setting.of("apps_jdbc_url", Types.OPTIONAL_STRING)
                            .bound(new Bound<>(v -> v.startsWith("jdbc:"), "must be a jdbc: URL"))
                            .flag(
                                    "--apps-jdbc-url",
                                    "HERALD_APPS_JDBC_URL",
                                    "Serve the apps kept in this database "
                                            + "(jdbc:postgresql://..., jdbc:h2:...); manage them with `herald apps` (HERALD_APPS_JDBC_URL). "
                                            + "User and password: HERALD_APPS_JDBC_USER, HERALD_APPS_JDBC_PASSWORD.")
                            .secret()
                            .doc(
                                    APPS_DATABASE,
                                    null,
                                    "serve the apps kept in this database: `jdbc:postgresql://host:5432/db` in "
                                            + "production, `jdbc:h2:file:/var/lib/herald/apps;AUTO_SERVER=TRUE` embedded"));

    public static final Setting<String> APPS_JDBC_USER =
            server(
                    Setting.of("apps_jdbc_user", Types.STRING)
                            .flag(null, "HERALD_APPS_JDBC_USER", null)
                            .doc(APPS_DATABASE, null, "database user, unless in the URL"));

    public static final Setting<String> APPS_JDBC_PASSWORD =
            server(
                    Setting.of("apps_jdbc_password", Types.STRING)
                            .flag(null, "HERALD_APPS_JDBC_PASSWORD", null)
                            .secret()
                            .doc(
                                    APPS_DATABASE,
                                    null,
                                    "database password, unless in the URL (never a flag, so it stays out of `ps`)"));

    public static final Setting<Double> SHUTDOWN_GRACE =
            server(
                    Setting.of("shutdown_grace", Types.DOUBLE)
                            .defaultValue(3.0)
                            // an hour at most: a longer drain outlives any orchestrator's stop
                            // timeout
                            .bound(new Bound<>(v -> v >= 0 && v <= 3600, "must be 0-3600 seconds"))
                            .flag(
                                    "--shutdown-grace",
                                    "HERALD_SHUTDOWN_GRACE",
                                    "Seconds over which clients are told to reconnect "
                                            + "(4200) on shutdown (HERALD_SHUTDOWN_GRACE).")
                            .doc(
                                    NODE,
                                    null,
                                    "seconds over which clients get 4200 (\"reconnect now\") on SIGTERM, so they reconnect "
                                            + "elsewhere gradually (a node whose event loops are behind may take up to 5.5 s more: "
                                            + "see \"In a container\"); then webhooks are flushed and the process exits 0"));

    public static final Setting<Integer> WEBHOOK_BATCH_MAX_EVENTS =
            server(
                    Setting.of("webhook_batch_max_events", Types.INT)
                            .defaultValue(WebhookSettings.DEFAULT_BATCH_MAX_EVENTS)
                            .bound(Bound.positive())
                            .flag(
                                    "--webhook-batch-max-events",
                                    "HERALD_WEBHOOK_BATCH_MAX_EVENTS",
                                    "Events per webhook request (HERALD_WEBHOOK_BATCH_MAX_EVENTS).")
                            .doc(WEBHOOKS, null, "events per request"));

    public static final Setting<Long> WEBHOOK_BATCH_MAX_WAIT_MS =
            server(
                    Setting.of("webhook_batch_max_wait_ms", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_BATCH_MAX_WAIT.toMillis())
                            .bound(notNegative())
                            .flag(
                                    "--webhook-batch-max-wait-ms",
                                    "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS",
                                    "Longest an event waits for its batch to fill (HERALD_WEBHOOK_BATCH_MAX_WAIT_MS).")
                            .doc(WEBHOOKS, null, "longest an event waits for its batch"));

    public static final Setting<Long> WEBHOOK_DEBOUNCE_MS =
            server(
                    Setting.of("webhook_debounce_ms", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_DEBOUNCE.toMillis())
                            .bound(notNegative())
                            .flag(
                                    "--webhook-debounce-ms",
                                    "HERALD_WEBHOOK_DEBOUNCE_MS",
                                    "Delay of channel_vacated and "
                                            + "member_removed, cancelled by a return (HERALD_WEBHOOK_DEBOUNCE_MS).")
                            .doc(
                                    WEBHOOKS,
                                    null,
                                    "`channel_vacated` / `member_removed` wait this long and are cancelled, "
                                            + "with the matching re-add, if the channel or member comes back"));

    public static final Setting<Long> WEBHOOK_TIMEOUT_MS =
            server(
                    Setting.of("webhook_timeout_ms", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_TIMEOUT.toMillis())
                            .bound(new Bound<>(v -> v > 0, "must be > 0"))
                            .flag(
                                    "--webhook-timeout-ms",
                                    "HERALD_WEBHOOK_TIMEOUT_MS",
                                    "A webhook attempt with no answer in "
                                            + "this time failed (HERALD_WEBHOOK_TIMEOUT_MS).")
                            .doc(
                                    WEBHOOKS,
                                    null,
                                    "an attempt without an answer in this time failed"));

    public static final Setting<Long> WEBHOOK_RETRY_FOR_SECONDS =
            server(
                    Setting.of("webhook_retry_for_seconds", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_RETRY_FOR.toSeconds())
                            .bound(notNegative())
                            .flag(
                                    "--webhook-retry-for-seconds",
                                    "HERALD_WEBHOOK_RETRY_FOR_SECONDS",
                                    "How long a failing "
                                            + "batch is retried before it is dropped (HERALD_WEBHOOK_RETRY_FOR_SECONDS).")
                            .doc(
                                    WEBHOOKS,
                                    null,
                                    "failed batches are retried with exponential backoff and jitter this long, "
                                            + "then dropped (logged, counted)"));

    public static final Setting<Integer> WEBHOOK_OUTBOX_LIMIT =
            server(
                    Setting.of("webhook_outbox_limit", Types.INT)
                            .defaultValue(WebhookSettings.DEFAULT_OUTBOX_LIMIT)
                            .bound(Bound.positive())
                            .flag(
                                    "--webhook-outbox-limit",
                                    "HERALD_WEBHOOK_OUTBOX_LIMIT",
                                    "Batches waiting per webhook "
                                            + "target; past it the oldest are dropped (HERALD_WEBHOOK_OUTBOX_LIMIT).")
                            .doc(
                                    WEBHOOKS,
                                    null,
                                    "batches held per target, the one in flight included; past it a waiting "
                                            + "batch is dropped, lowest priority and oldest first (counted)"));

    public static final Setting<Integer> MAX_MESSAGES_PER_SECOND =
            server(
                    Setting.of("max_messages_per_second", Types.INT)
                            .defaultValue(MessageBudget.DEFAULT_PER_SECOND)
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = no limit)"))
                            .flag(
                                    "--max-messages-per-second",
                                    "HERALD_MAX_MESSAGES_PER_SECOND",
                                    "WebSocket messages "
                                            + "(frames of any kind) one connection may send per second; past the budget it is closed "
                                            + "with 4100; 0 = no limit (HERALD_MAX_MESSAGES_PER_SECOND).")
                            .doc(
                                    NODE,
                                    null,
                                    "WebSocket messages one connection may send per second, every frame counted "
                                            + "(Pusher events, pings, fragments); past the budget the connection gets `pusher:error` "
                                            + "4100 and is closed with 4100, so pusher-js backs off before it reconnects; `0` = no "
                                            + "limit"));

    public static final Setting<Integer> MESSAGE_BURST =
            server(
                    Setting.of("message_burst", Types.INT)
                            .defaultValue(MessageBudget.DEFAULT_BURST)
                            .flag(
                                    "--message-burst",
                                    "HERALD_MESSAGE_BURST",
                                    "Messages one connection may send at once after a quiet "
                                            + "spell, e.g. re-subscribing after a reconnect (HERALD_MESSAGE_BURST).")
                            .doc(
                                    NODE,
                                    null,
                                    "messages a connection may send at once after a quiet spell: enough for pusher-js to "
                                            + "re-subscribe to 100 channels and sign in after a reconnect"));

    public static final Setting<Long> HISTORY_MAX_BYTES =
            server(
                    Setting.of("history_max_bytes", Types.LONG)
                            .defaultValue(DEFAULT_HISTORY_MAX_BYTES)
                            .bound(atLeastBytes(MIN_HISTORY_MAX_BYTES))
                            .flag(
                                    "--history-max-bytes",
                                    "HERALD_HISTORY_MAX_BYTES",
                                    "Bytes of channel history this node keeps in memory, all apps "
                                            + "together; at least 1 MiB (HERALD_HISTORY_MAX_BYTES).")
                            .doc(
                                    NODE,
                                    "`67108864` (64 MiB)",
                                    "bytes of channel history (docs/recovery.md) this node keeps in memory, all "
                                            + "apps and channels together, overheads included; past it the oldest kept "
                                            + "events of all channels are dropped first. At least 1 MiB"));

    public static final Setting<Long> WEBHOOK_OUTBOX_MAX_BYTES =
            server(
                    Setting.of("webhook_outbox_max_bytes", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_OUTBOX_MAX_BYTES)
                            .bound(atLeastBytes(WebhookSettings.MIN_BYTES))
                            .flag(
                                    "--webhook-outbox-max-bytes",
                                    "HERALD_WEBHOOK_OUTBOX_MAX_BYTES",
                                    "Bytes of batches held per webhook target (HERALD_WEBHOOK_OUTBOX_MAX_BYTES).")
                            .doc(
                                    WEBHOOKS,
                                    "`8388608` (8 MiB)",
                                    "bytes of batches held per target, the same way; at least "
                                            + "1 MiB. A batch is also sent early once it holds an eighth of this"));

    public static final Setting<Integer> WEBHOOK_QUEUE_MAX_EVENTS =
            server(
                    Setting.of("webhook_queue_max_events", Types.INT)
                            .defaultValue(WebhookSettings.DEFAULT_QUEUE_MAX_EVENTS)
                            .bound(Bound.positive("must be positive"))
                            .flag(
                                    "--webhook-queue-max-events",
                                    "HERALD_WEBHOOK_QUEUE_MAX_EVENTS",
                                    "Webhook events waiting "
                                            + "for the webhook thread, all apps (HERALD_WEBHOOK_QUEUE_MAX_EVENTS).")
                            .doc(
                                    WEBHOOKS,
                                    null,
                                    "events waiting for the webhook thread, all apps together; past it events "
                                            + "are shed (below)"));

    public static final Setting<Long> WEBHOOK_QUEUE_MAX_BYTES =
            server(
                    Setting.of("webhook_queue_max_bytes", Types.LONG)
                            .defaultValue(WebhookSettings.DEFAULT_QUEUE_MAX_BYTES)
                            .bound(atLeastBytes(WebhookSettings.MIN_BYTES))
                            .flag(
                                    "--webhook-queue-max-bytes",
                                    "HERALD_WEBHOOK_QUEUE_MAX_BYTES",
                                    "Bytes of webhook events "
                                            + "waiting for the webhook thread (HERALD_WEBHOOK_QUEUE_MAX_BYTES).")
                            .doc(
                                    WEBHOOKS,
                                    "`33554432` (32 MiB)",
                                    "estimated bytes of those events (two bytes a character "
                                            + "of every field, plus overhead); at least 1 MiB"));

    public static final Setting<Integer> MAX_HTTP_BODY_BYTES =
            server(
                    Setting.of("max_http_body_bytes", Types.INT)
                            .defaultValue(1 << 20)
                            .bound(Bound.atLeast(1024, "must be >= 1024"))
                            .flag(
                                    "--max-http-body-bytes",
                                    "HERALD_MAX_HTTP_BODY_BYTES",
                                    "Largest HTTP API request body; larger "
                                            + "ones get 413 (HERALD_MAX_HTTP_BODY_BYTES).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "largest HTTP API body (larger: 413 and the connection is closed, without reading "
                                            + "the rest of the body)"));

    public static final Setting<Integer> HTTP_REQUEST_TIMEOUT =
            server(
                    Setting.of("http_request_timeout", Types.INT)
                            .defaultValue(10)
                            .bound(Bound.between(1, 3600, "must be 1-3600 seconds"))
                            .flag(
                                    "--http-request-timeout",
                                    "HERALD_HTTP_REQUEST_TIMEOUT",
                                    "Seconds a client has to send a whole "
                                            + "HTTP request (or finish a WebSocket handshake) once connected or started; then 408 and close "
                                            + "(HERALD_HTTP_REQUEST_TIMEOUT).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "seconds (1–3600) a client has to send a whole HTTP request, headers and body, "
                                            + "counted from when it connected or started the request, and to complete a WebSocket "
                                            + "handshake; past it the connection is closed, with 408 if part of a request arrived. Applies "
                                            + "to the server port and the ops port; once a connection is a WebSocket, `--activity-timeout` "
                                            + "takes over"));

    public static final Setting<Integer> HTTP_IDLE_TIMEOUT =
            server(
                    Setting.of("http_idle_timeout", Types.INT)
                            .defaultValue(60)
                            .bound(Bound.between(1, 3600, "must be 1-3600 seconds"))
                            .flag(
                                    "--http-idle-timeout",
                                    "HERALD_HTTP_IDLE_TIMEOUT",
                                    "Seconds a keep-alive HTTP connection may wait "
                                            + "for its next request before it is closed (HERALD_HTTP_IDLE_TIMEOUT).")
                            .doc(
                                    TRANSPORT,
                                    null,
                                    "seconds (1–3600) a keep-alive HTTP connection may wait for its next request "
                                            + "before it is closed (the SDKs open a new one)"));

    private ServerSettings() {}

    private static <T> Setting<T> server(Setting.Builder<T> builder) {
        Setting<T> setting = builder.build();
        SERVER.add(setting);
        COMMAND_LINE.add(setting);
        return setting;
    }

    /** Places the default app's flags here in {@code --help}. */
    private static void defaultApp(Setting<?>... settings) {
        Collections.addAll(COMMAND_LINE, settings);
    }

    private static Bound<Long> atLeastBytes(long min) {
        return new Bound<>(v -> v >= min, "must be at least " + min);
    }

    private static Bound<Long> notNegative() {
        return new Bound<>(v -> v >= 0, "must be >= 0");
    }

    /** The server's own settings, in the order of {@code --help}. */
    public static List<Setting<?>> server() {
        return Collections.unmodifiableList(SERVER);
    }

    /**
     * Every setting with a flag or a variable, server's and default app's, in the order of {@code
     * --help}.
     */
    public static List<Setting<?>> commandLine() {
        List<Setting<?>> all = new ArrayList<>(COMMAND_LINE);
        for (Setting<?> app : AppSettings.all()) {
            if (app.flag() != null && !all.contains(app)) {
                all.add(app);
            }
        }
        return Collections.unmodifiableList(all);
    }
}
