package dev.herald.server;

import static picocli.CommandLine.Help.Visibility.NEVER;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppIds;
import dev.herald.apps.AppLimits;
import dev.herald.apps.WebhookTarget;
import dev.herald.config.AppsFile;
import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import dev.herald.transport.TransportKind;
import dev.herald.limits.MessageBudget;
import dev.herald.internal.Redact;
import dev.herald.webhooks.WebhookSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar herald-server.jar}: every setting is a flag, and each flag's default comes from
 * its {@code HERALD_*} environment variable, then from the built-in default.
 */
@Command(name = "herald", mixinStandardHelpOptions = true, version = "Herald 0.1.0", subcommands = AppsCommand.class,
        description = "A self-hosted real-time messaging server, wire-compatible with Pusher Channels.",
        sortOptions = false, showDefaultValues = true)
public final class Main implements Callable<Integer> {

    static final String DEFAULT_APP_SECRET = HeraldConfig.DEFAULT_APP_SECRET;

    @Option(names = "--host", defaultValue = "${env:HERALD_HOST:-127.0.0.1}", description = "Address to listen on; "
            + "any other than loopback needs a secret of your own (HERALD_HOST).")
    String host;

    @Option(names = "--port", defaultValue = "${env:HERALD_PORT:-6001}", description = "Port for WebSocket and HTTP API (HERALD_PORT).")
    int port;

    @Option(names = "--app-id", defaultValue = "${env:HERALD_APP_ID:-app-id}", description = "Default app id (HERALD_APP_ID).")
    String appId;

    @Option(names = "--app-key", defaultValue = "${env:HERALD_APP_KEY:-app-key}", description = "Default app key (HERALD_APP_KEY).")
    String appKey;

    // secret-bearing settings never show their value in --help (showDefaultValue = NEVER)
    @Option(names = "--app-secret", defaultValue = "${env:HERALD_APP_SECRET:-app-secret}", showDefaultValue = NEVER,
            description = "Default app secret (HERALD_APP_SECRET); the published default app-secret works on "
                    + "loopback only.")
    String appSecret;

    @Option(names = "--app-client-events", defaultValue = "${env:HERALD_APP_CLIENT_EVENTS:-true}", arity = "1",
            description = "Allow client-* events on the default app (HERALD_APP_CLIENT_EVENTS).")
    boolean appClientEvents;

    @Option(names = "--app-user-authentication", defaultValue = "${env:HERALD_APP_USER_AUTHENTICATION:-true}", arity = "1",
            description = "Allow pusher:signin on the default app (HERALD_APP_USER_AUTHENTICATION).")
    boolean appUserAuthentication;

    @Option(names = "--app-watchlist", defaultValue = "${env:HERALD_APP_WATCHLIST:-true}", arity = "1",
            description = "Send watchlist online/offline events on the default app (HERALD_APP_WATCHLIST).")
    boolean appWatchlist;

    @Option(names = "--app-subscription-count", defaultValue = "${env:HERALD_APP_SUBSCRIPTION_COUNT:-false}", arity = "1",
            description = "Send pusher_internal:subscription_count on the default app (HERALD_APP_SUBSCRIPTION_COUNT).")
    boolean appSubscriptionCount;

    @Option(names = "--app-authorized-connections", defaultValue = "${env:HERALD_APP_AUTHORIZED_CONNECTIONS:-false}", arity = "1",
            description = "Close default-app connections that neither sign in nor join a private or presence "
                    + "channel in time (HERALD_APP_AUTHORIZED_CONNECTIONS).")
    boolean appAuthorizedConnections;

    @Option(names = "--app-authorized-connection-timeout", defaultValue = "${env:HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT:-30}",
            description = "Seconds an unauthorized connection may stay (HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT).")
    double appAuthorizedConnectionTimeout;

    @Option(names = "--app-max-connections", defaultValue = "${env:HERALD_APP_MAX_CONNECTIONS:-0}",
            description = "Concurrent connections of the default app, 0 = no limit; beyond it 4004 (HERALD_APP_MAX_CONNECTIONS).")
    int appMaxConnections;

    @Option(names = "--app-webhook-url", defaultValue = "${env:HERALD_APP_WEBHOOK_URL}", showDefaultValue = NEVER,
            description = "Receiver of every webhook of the default app (HERALD_APP_WEBHOOK_URL).")
    String appWebhookUrl;

    @Option(names = "--max-watchlist-size", defaultValue = "${env:HERALD_MAX_WATCHLIST_SIZE:-100}",
            description = "Users one sign-in may watch (HERALD_MAX_WATCHLIST_SIZE).")
    int maxWatchlistSize;

    @Option(names = "--cache-ttl", defaultValue = "${env:HERALD_CACHE_TTL:-1800}",
            description = "Seconds a cache channel keeps its last event (HERALD_CACHE_TTL).")
    double cacheTtl;

    @Option(names = "--config", defaultValue = "${env:HERALD_CONFIG}",
            description = "YAML file declaring apps (HERALD_CONFIG). With it, the default app is served only if "
                    + "HERALD_APP_ID, HERALD_APP_KEY or HERALD_APP_SECRET (or their flags) are set.")
    java.nio.file.Path configFile;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--max-event-bytes", defaultValue = "${env:HERALD_MAX_EVENT_BYTES:-10240}", description = "Largest event data in bytes (HERALD_MAX_EVENT_BYTES).")
    int maxEventBytes;

    @Option(names = "--max-channels-per-connection", defaultValue = "${env:HERALD_MAX_CHANNELS_PER_CONNECTION:-100}",
            description = "Channels one connection may join (HERALD_MAX_CHANNELS_PER_CONNECTION).")
    int maxChannelsPerConnection;

    @Option(names = "--max-presence-members", defaultValue = "${env:HERALD_MAX_PRESENCE_MEMBERS:-100}",
            description = "Distinct users per presence channel (HERALD_MAX_PRESENCE_MEMBERS).")
    int maxPresenceMembers;

    @Option(names = "--max-presence-user-info-bytes", defaultValue = "${env:HERALD_MAX_PRESENCE_USER_INFO_BYTES:-1024}",
            description = "Size of one member's user_info (HERALD_MAX_PRESENCE_USER_INFO_BYTES).")
    int maxPresenceUserInfoBytes;

    @Option(names = "--client-events-per-second", defaultValue = "${env:HERALD_CLIENT_EVENTS_PER_SECOND:-10}",
            description = "Client events one connection may send per second (HERALD_CLIENT_EVENTS_PER_SECOND).")
    int clientEventsPerSecond;

    @Option(names = "--max-channel-name-length", defaultValue = "${env:HERALD_MAX_CHANNEL_NAME_LENGTH:-200}",
            description = "Longest channel name (HERALD_MAX_CHANNEL_NAME_LENGTH).")
    int maxChannelNameLength;

    @Option(names = "--activity-timeout", defaultValue = "${env:HERALD_ACTIVITY_TIMEOUT:-120}",
            description = "Seconds of silence before a connection is probed; sent to clients (HERALD_ACTIVITY_TIMEOUT).")
    int activityTimeout;

    @Option(names = "--pong-timeout", defaultValue = "${env:HERALD_PONG_TIMEOUT:-30}",
            description = "Seconds to wait for any reply to a probe before closing with 4201 (HERALD_PONG_TIMEOUT).")
    int pongTimeout;

    @Option(names = "--transport", defaultValue = "${env:HERALD_TRANSPORT:-auto}",
            description = "auto, io_uring, epoll or nio (HERALD_TRANSPORT).")
    String transport;

    @Option(names = "--event-loop-threads", defaultValue = "${env:HERALD_EVENT_LOOP_THREADS:-0}",
            description = "Event loop threads; 0 = one per core (HERALD_EVENT_LOOP_THREADS).")
    int eventLoopThreads;

    @Option(names = "--write-buffer-high-water-mark", defaultValue = "${env:HERALD_WRITE_BUFFER_HIGH_WATER_MARK:-1048576}",
            description = "Bytes queued for one slow client before it is closed with 4100 (HERALD_WRITE_BUFFER_HIGH_WATER_MARK).")
    int writeBufferHighWaterMark;

    @Option(names = "--max-frame-bytes", defaultValue = "${env:HERALD_MAX_FRAME_BYTES:-262144}",
            description = "Largest inbound WebSocket message; larger ones are closed with 1009 (HERALD_MAX_FRAME_BYTES).")
    int maxFrameBytes;

    @Option(names = "--metrics-port", defaultValue = "${env:HERALD_METRICS_PORT:-9601}",
            description = "Port for /metrics (Prometheus), /health and /ready; -1 = off (HERALD_METRICS_PORT).")
    int metricsPort;

    @Option(names = "--metrics-host", defaultValue = "${env:HERALD_METRICS_HOST}",
            description = "Address of the metrics port; default: the --host address (HERALD_METRICS_HOST).")
    String metricsHost;

    @Option(names = "--event-loop-stuck-seconds", defaultValue = "${env:HERALD_EVENT_LOOP_STUCK_SECONDS:-10}",
            description = "Seconds an event loop may go without turning before /health answers 503 "
                    + "(HERALD_EVENT_LOOP_STUCK_SECONDS).")
    double eventLoopStuckSeconds;

    @Option(names = "--max-connections", defaultValue = "${env:HERALD_MAX_CONNECTIONS:-0}",
            description = "Connections this node accepts, all apps together; 0 = no limit; beyond it 4100 (HERALD_MAX_CONNECTIONS).")
    int maxConnections;

    @Option(names = "--max-connections-per-ip-per-second", defaultValue = "${env:HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND:-0}",
            description = "New WebSocket connections per second from one IP address; 0 = no limit; beyond it 4100 "
                    + "(HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND).")
    int maxConnectionsPerIpPerSecond;

    @Option(names = "--tls-cert", defaultValue = "${env:HERALD_TLS_CERT}",
            description = "PEM certificate chain; with --tls-key, serves wss:// and https:// (HERALD_TLS_CERT).")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:HERALD_TLS_KEY}",
            description = "PEM private key for --tls-cert (HERALD_TLS_KEY).")
    java.nio.file.Path tlsKey;

    @Option(names = "--app-allowed-origins", defaultValue = "${env:HERALD_APP_ALLOWED_ORIGINS}", split = ",",
            description = "Origins allowed to connect to the default app, comma-separated (https://*.example.com "
                    + "allows subdomains); empty = all (HERALD_APP_ALLOWED_ORIGINS).")
    List<String> appAllowedOrigins;

    @Option(names = "--app-api-requests-per-second", defaultValue = "${env:HERALD_APP_API_REQUESTS_PER_SECOND:-0}",
            description = "HTTP API requests per second for the default app; 0 = no limit; beyond it 429 "
                    + "(HERALD_APP_API_REQUESTS_PER_SECOND).")
    int appApiRequestsPerSecond;

    @Option(names = "--log-level", defaultValue = "${env:HERALD_LOG_LEVEL:-INFO}",
            description = "TRACE, DEBUG, INFO, WARN or ERROR (HERALD_LOG_LEVEL).")
    String logLevel;

    @Option(names = "--log-format", defaultValue = "${env:HERALD_LOG_FORMAT:-text}",
            description = "text or json (one JSON object per line) (HERALD_LOG_FORMAT).")
    String logFormat;

    @Option(names = "--redis-url", defaultValue = "${env:HERALD_REDIS_URL}", showDefaultValue = NEVER,
            description = "redis://host:port: run as one node of a cluster sharing this Redis (HERALD_REDIS_URL).")
    String redisUrl;

    @Option(names = "--node-lease", defaultValue = "${env:HERALD_NODE_LEASE_SECONDS:-20}",
            description = "Seconds a silent node keeps its members and counts in the cluster (HERALD_NODE_LEASE_SECONDS).")
    int nodeLease;

    @Option(names = "--apps-jdbc-url", defaultValue = "${env:HERALD_APPS_JDBC_URL}", showDefaultValue = NEVER,
            description = "Serve the apps kept in this database (jdbc:postgresql://..., jdbc:h2:...); manage them with "
                    + "`herald apps` (HERALD_APPS_JDBC_URL). User and password: HERALD_APPS_JDBC_USER, HERALD_APPS_JDBC_PASSWORD.")
    String appsJdbcUrl;

    @Option(names = "--shutdown-grace", defaultValue = "${env:HERALD_SHUTDOWN_GRACE:-3}",
            description = "Seconds over which clients are told to reconnect (4200) on shutdown (HERALD_SHUTDOWN_GRACE).")
    double shutdownGrace;

    @Option(names = "--webhook-batch-max-events", defaultValue = "${env:HERALD_WEBHOOK_BATCH_MAX_EVENTS:-50}",
            description = "Events per webhook request (HERALD_WEBHOOK_BATCH_MAX_EVENTS).")
    int webhookBatchMaxEvents;

    @Option(names = "--webhook-batch-max-wait-ms", defaultValue = "${env:HERALD_WEBHOOK_BATCH_MAX_WAIT_MS:-250}",
            description = "Longest an event waits for its batch to fill (HERALD_WEBHOOK_BATCH_MAX_WAIT_MS).")
    long webhookBatchMaxWaitMs;

    @Option(names = "--webhook-debounce-ms", defaultValue = "${env:HERALD_WEBHOOK_DEBOUNCE_MS:-3000}",
            description = "Delay of channel_vacated and member_removed, cancelled by a return (HERALD_WEBHOOK_DEBOUNCE_MS).")
    long webhookDebounceMs;

    @Option(names = "--webhook-timeout-ms", defaultValue = "${env:HERALD_WEBHOOK_TIMEOUT_MS:-4000}",
            description = "A webhook attempt with no answer in this time failed (HERALD_WEBHOOK_TIMEOUT_MS).")
    long webhookTimeoutMs;

    @Option(names = "--webhook-retry-for-seconds", defaultValue = "${env:HERALD_WEBHOOK_RETRY_FOR_SECONDS:-300}",
            description = "How long a failing batch is retried before it is dropped (HERALD_WEBHOOK_RETRY_FOR_SECONDS).")
    long webhookRetryForSeconds;

    @Option(names = "--webhook-outbox-limit", defaultValue = "${env:HERALD_WEBHOOK_OUTBOX_LIMIT:-1000}",
            description = "Batches waiting per webhook target; past it the oldest are dropped (HERALD_WEBHOOK_OUTBOX_LIMIT).")
    int webhookOutboxLimit;

    @Option(names = "--max-messages-per-second", defaultValue = "${env:HERALD_MAX_MESSAGES_PER_SECOND:-50}",
            description = "WebSocket messages (frames of any kind) one connection may send per second; past the "
                    + "budget it is closed with 4100; 0 = no limit (HERALD_MAX_MESSAGES_PER_SECOND).")
    int maxMessagesPerSecond;

    @Option(names = "--message-burst", defaultValue = "${env:HERALD_MESSAGE_BURST:-200}",
            description = "Messages one connection may send at once after a quiet spell, e.g. re-subscribing "
                    + "after a reconnect (HERALD_MESSAGE_BURST).")
    int messageBurst;

    @Option(names = "--webhook-outbox-max-bytes", defaultValue = "${env:HERALD_WEBHOOK_OUTBOX_MAX_BYTES:-8388608}",
            description = "Bytes of batches held per webhook target (HERALD_WEBHOOK_OUTBOX_MAX_BYTES).")
    long webhookOutboxMaxBytes;

    @Option(names = "--webhook-queue-max-events", defaultValue = "${env:HERALD_WEBHOOK_QUEUE_MAX_EVENTS:-100000}",
            description = "Webhook events waiting for the webhook thread, all apps (HERALD_WEBHOOK_QUEUE_MAX_EVENTS).")
    int webhookQueueMaxEvents;

    @Option(names = "--webhook-queue-max-bytes", defaultValue = "${env:HERALD_WEBHOOK_QUEUE_MAX_BYTES:-33554432}",
            description = "Bytes of webhook events waiting for the webhook thread (HERALD_WEBHOOK_QUEUE_MAX_BYTES).")
    long webhookQueueMaxBytes;

    @Option(names = "--max-http-body-bytes", defaultValue = "${env:HERALD_MAX_HTTP_BODY_BYTES:-1048576}",
            description = "Largest HTTP API request body; larger ones get 413 (HERALD_MAX_HTTP_BODY_BYTES).")
    int maxHttpBodyBytes;

    @Option(names = "--http-request-timeout", defaultValue = "${env:HERALD_HTTP_REQUEST_TIMEOUT:-10}",
            description = "Seconds a client has to send a whole HTTP request (or finish a WebSocket handshake) "
                    + "once connected or started; then 408 and close (HERALD_HTTP_REQUEST_TIMEOUT).")
    int httpRequestTimeout;

    @Option(names = "--http-idle-timeout", defaultValue = "${env:HERALD_HTTP_IDLE_TIMEOUT:-60}",
            description = "Seconds a keep-alive HTTP connection may wait for its next request before it is closed "
                    + "(HERALD_HTTP_IDLE_TIMEOUT).")
    int httpIdleTimeout;

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    public static void main(String[] args) {
        // first, so that nothing can run out of memory unguarded
        FatalErrors.halting().install();
        int exit = new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    HeraldConfig config() {
        checkPositive("--max-event-bytes (HERALD_MAX_EVENT_BYTES)", maxEventBytes);
        checkPositive("--max-channels-per-connection (HERALD_MAX_CHANNELS_PER_CONNECTION)", maxChannelsPerConnection);
        checkPositive("--max-presence-members (HERALD_MAX_PRESENCE_MEMBERS)", maxPresenceMembers);
        checkPositive("--max-presence-user-info-bytes (HERALD_MAX_PRESENCE_USER_INFO_BYTES)", maxPresenceUserInfoBytes);
        checkPositive("--client-events-per-second (HERALD_CLIENT_EVENTS_PER_SECOND)", clientEventsPerSecond);
        checkPositive("--max-channel-name-length (HERALD_MAX_CHANNEL_NAME_LENGTH)", maxChannelNameLength);
        checkPositive("--max-watchlist-size (HERALD_MAX_WATCHLIST_SIZE)", maxWatchlistSize);
        if (appMaxConnections < 0) {
            throw new ConfigException("--app-max-connections (HERALD_APP_MAX_CONNECTIONS) must be >= 0, got "
                    + appMaxConnections);
        }
        if (!(cacheTtl > 0)) {
            throw new ConfigException("--cache-ttl (HERALD_CACHE_TTL) must be > 0 seconds, got " + cacheTtl);
        }
        if (!(appAuthorizedConnectionTimeout > 0)) {
            throw new ConfigException("--app-authorized-connection-timeout (HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT) "
                    + "must be > 0 seconds, got " + appAuthorizedConnectionTimeout);
        }
        AppLimits limits = new AppLimits(appMaxConnections, maxEventBytes, maxChannelsPerConnection,
                maxPresenceMembers, maxPresenceUserInfoBytes, clientEventsPerSecond, maxChannelNameLength,
                maxWatchlistSize, java.time.Duration.ofMillis(Math.round(cacheTtl * 1000)), appApiRequestsPerSecond);
        AppFeatures features = new AppFeatures(appClientEvents, appUserAuthentication, appWatchlist,
                appSubscriptionCount, appAuthorizedConnections,
                java.time.Duration.ofMillis(Math.round(appAuthorizedConnectionTimeout * 1000)),
                appAllowedOrigins == null ? List.of()
                        : appAllowedOrigins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList());
        List<WebhookTarget> webhooks = new java.util.ArrayList<>();
        if (appWebhookUrl != null && !appWebhookUrl.isBlank()) {
            try {
                webhooks.add(WebhookTarget.all(java.net.URI.create(appWebhookUrl.trim())));
            } catch (IllegalArgumentException e) {
                // the message quotes the URL, which may carry a password
                throw new ConfigException("--app-webhook-url (HERALD_APP_WEBHOOK_URL): " + Redact.url(e.getMessage()));
            }
        }
        if (!AppIds.isValid(appId)) {
            throw new ConfigException("--app-id (HERALD_APP_ID): " + AppIds.problem(appId));
        }
        App defaultApp = new App(appId, appKey, appSecret, true, features, limits, webhooks);
        List<App> apps = new java.util.ArrayList<>();
        HeraldConfig.AppsDatabase database = appsJdbcUrl == null || appsJdbcUrl.isBlank() ? null
                : new HeraldConfig.AppsDatabase(appsJdbcUrl.trim(), System.getenv("HERALD_APPS_JDBC_USER"),
                        System.getenv("HERALD_APPS_JDBC_PASSWORD"));
        if (database != null) {
            // the database is the source of apps; the well-known default app is served only on request
            if (configFile != null) {
                apps.addAll(AppsFile.read(configFile));
            }
            if (defaultAppRequested()) {
                apps.add(defaultApp);
            }
        } else if (configFile != null) {
            apps.addAll(AppsFile.read(configFile));
            if (defaultAppRequested()) {
                apps.add(defaultApp);
            }
        } else {
            apps.add(defaultApp);
        }
        TransportKind kind;
        try {
            kind = TransportKind.valueOf(transport.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--transport (HERALD_TRANSPORT) must be auto, io_uring, epoll or nio, got " + transport);
        }
        WebhookSettings webhookSettings;
        try {
            webhookSettings = new WebhookSettings(webhookBatchMaxEvents, Duration.ofMillis(webhookBatchMaxWaitMs),
                    Duration.ofMillis(webhookDebounceMs), Duration.ofMillis(webhookTimeoutMs),
                    Duration.ofSeconds(webhookRetryForSeconds), webhookOutboxLimit, webhookOutboxMaxBytes,
                    webhookQueueMaxEvents, webhookQueueMaxBytes);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--webhook-* (HERALD_WEBHOOK_*): " + e.getMessage());
        }
        return new HeraldConfig(host, port, kind, eventLoopThreads, activityTimeout, pongTimeout,
                writeBufferHighWaterMark, maxFrameBytes, maxHttpBodyBytes, httpRequestTimeout, httpIdleTimeout,
                metricsPort, isSet("--metrics-port", "HERALD_METRICS_PORT"), metricsHost, eventLoopStuckSeconds,
                shutdownGrace, maxConnections,
                maxConnectionsPerIpPerSecond, tls(), redisUrl == null || redisUrl.isBlank() ? null : redisUrl.trim(),
                nodeLease, database, webhookSettings, apps, messageBudget());
    }

    private MessageBudget messageBudget() {
        try {
            return new MessageBudget(maxMessagesPerSecond, messageBurst);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--max-messages-per-second (HERALD_MAX_MESSAGES_PER_SECOND) and --message-burst "
                    + "(HERALD_MESSAGE_BURST): " + e.getMessage());
        }
    }

    private HeraldConfig.Tls tls() {
        if (tlsCert == null && tlsKey == null) {
            return null;
        }
        return new HeraldConfig.Tls(tlsCert, tlsKey);
    }

    private boolean defaultAppRequested() {
        return isSet("--app-id", "HERALD_APP_ID") || isSet("--app-key", "HERALD_APP_KEY")
                || isSet("--app-secret", "HERALD_APP_SECRET");
    }

    /** Whether a setting was given, by flag or environment, rather than left to its default. */
    private boolean isSet(String flag, String env) {
        return (spec != null && spec.commandLine().getParseResult().hasMatchedOption(flag)) || System.getenv(env) != null;
    }

    private static void checkPositive(String name, int value) {
        if (value <= 0) {
            throw new ConfigException(name + " must be > 0, got " + value);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!LogFormat.level(logLevel)) {
            log.error("Invalid configuration: --log-level (HERALD_LOG_LEVEL) must be TRACE, DEBUG, INFO, WARN or "
                    + "ERROR, got {}", logLevel);
            return 2;
        }
        if (!LogFormat.apply(logFormat)) {
            log.error("Invalid configuration: --log-format (HERALD_LOG_FORMAT) must be text or json, got {}", logFormat);
            return 2;
        }
        HeraldConfig config;
        try {
            config = config();
            config.refuseDefaultSecretWhenExposed(config.apps());
        } catch (ConfigException | IllegalArgumentException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            return 2;
        }
        if (config.apps().stream().anyMatch(a -> DEFAULT_APP_SECRET.equals(a.secret()))) {
            log.warn("The well-known default app secret is in use: anyone can sign requests. "
                    + "Set HERALD_APP_SECRET (or --app-secret) before exposing this server.");
        }
        HeraldServer server = new HeraldServer(config);
        CountDownLatch stop = new CountDownLatch(1);
        boolean handled = Signals.onTermination(stop::countDown);
        if (!handled) {
            // without signal handlers, at least drain on the JVM's own shutdown
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "herald-shutdown"));
        }
        try {
            server.start();
        } catch (ConfigException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            server.close();
            return 2;
        } catch (Exception e) {
            log.error("Cannot start: {}", e.getMessage() != null ? e.getMessage() : e.toString());
            server.close();
            return 1;
        }
        stop.await();
        log.info("Shutting down: draining connections over {} s", config.shutdownGraceSeconds());
        server.close();
        log.info("Stopped");
        System.exit(0);
        return 0;
    }
}
