package dev.herald.config;

import dev.herald.apps.App;
import dev.herald.limits.MessageBudget;
import dev.herald.internal.Redact;
import dev.herald.transport.TransportKind;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import dev.herald.webhooks.WebhookSettings;
import java.util.List;
import java.util.Objects;

/**
 * Every server setting, immutable and validated when built: an unusable value stops start-up with
 * a message naming the setting (its flag and environment variable), never a silent correction.
 * {@code docs/configuration.md} documents each one.
 */
public record HeraldConfig(
        String host,
        int port,
        TransportKind transport,
        int eventLoopThreads,
        int activityTimeoutSeconds,
        int pongTimeoutSeconds,
        int writeBufferHighWaterMark,
        int maxFrameBytes,
        int maxHttpBodyBytes,
        int httpRequestTimeoutSeconds,
        int httpIdleTimeoutSeconds,
        int metricsPort,
        boolean metricsPortExplicit,
        String metricsHost,
        double eventLoopStuckSeconds,
        double shutdownGraceSeconds,
        int maxConnections,
        int maxConnectionsPerIpPerSecond,
        Tls tls,
        String redisUrl,
        int nodeLeaseSeconds,
        AppsDatabase appsDatabase,
        WebhookSettings webhooks,
        List<App> apps,
        MessageBudget messageBudget) {

    /** Loopback: exposing Herald is a decision (and needs a secret of one's own, see {@link #exposed()}). */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default app's secret, published in the docs: fine on loopback, refused anywhere else. */
    public static final String DEFAULT_APP_SECRET = "app-secret";
    public static final int DEFAULT_PORT = 6001;
    public static final int DEFAULT_ACTIVITY_TIMEOUT_SECONDS = 120;
    public static final int DEFAULT_PONG_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK = 1 << 20;
    public static final int DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_HTTP_BODY_BYTES = 1 << 20;
    public static final int DEFAULT_HTTP_REQUEST_TIMEOUT_SECONDS = 10;
    public static final int DEFAULT_HTTP_IDLE_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_METRICS_PORT = 9601;
    public static final double DEFAULT_SHUTDOWN_GRACE_SECONDS = 3;
    public static final double DEFAULT_EVENT_LOOP_STUCK_SECONDS = 10;
    public static final int DEFAULT_NODE_LEASE_SECONDS = 20;

    public HeraldConfig {
        Objects.requireNonNull(host, "host");
        metricsHost = metricsHost == null || metricsHost.isBlank() ? host : metricsHost.trim();
        Objects.requireNonNull(transport, "transport");
        apps = List.copyOf(apps);
        check(port >= 0 && port <= 65535, "port (--port, HERALD_PORT) must be 0-65535, got " + port);
        check(eventLoopThreads >= 0, "event loop threads (--event-loop-threads, HERALD_EVENT_LOOP_THREADS) must be "
                + ">= 0 (0 = one per core), got " + eventLoopThreads);
        check(activityTimeoutSeconds > 0, "activity timeout (--activity-timeout, HERALD_ACTIVITY_TIMEOUT) must be "
                + "> 0 seconds, got " + activityTimeoutSeconds);
        check(pongTimeoutSeconds > 0, "pong timeout (--pong-timeout, HERALD_PONG_TIMEOUT) must be > 0 seconds, got "
                + pongTimeoutSeconds);
        check(writeBufferHighWaterMark >= 8192, "write buffer high-water mark (--write-buffer-high-water-mark, "
                + "HERALD_WRITE_BUFFER_HIGH_WATER_MARK) must be >= 8192 bytes, got " + writeBufferHighWaterMark);
        check(maxFrameBytes >= 1024, "max frame size (--max-frame-bytes, HERALD_MAX_FRAME_BYTES) must be >= 1024, got "
                + maxFrameBytes);
        check(maxHttpBodyBytes >= 1024, "max HTTP body (--max-http-body-bytes, HERALD_MAX_HTTP_BODY_BYTES) must be "
                + ">= 1024, got " + maxHttpBodyBytes);
        check(httpRequestTimeoutSeconds > 0 && httpRequestTimeoutSeconds <= 3600, "HTTP request timeout "
                + "(--http-request-timeout, HERALD_HTTP_REQUEST_TIMEOUT) must be 1-3600 seconds, got "
                + httpRequestTimeoutSeconds);
        check(httpIdleTimeoutSeconds > 0 && httpIdleTimeoutSeconds <= 3600, "HTTP idle timeout "
                + "(--http-idle-timeout, HERALD_HTTP_IDLE_TIMEOUT) must be 1-3600 seconds, got "
                + httpIdleTimeoutSeconds);
        check(metricsPort >= -1 && metricsPort <= 65535, "metrics port (--metrics-port, HERALD_METRICS_PORT) must be "
                + "0-65535, or -1 to turn the metrics listener off, got " + metricsPort);
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(messageBudget, "messageBudget");
        check(eventLoopStuckSeconds > 0, "--event-loop-stuck-seconds (HERALD_EVENT_LOOP_STUCK_SECONDS) must be > 0, "
                + "got " + eventLoopStuckSeconds);
        check(shutdownGraceSeconds >= 0, "shutdown grace (--shutdown-grace, HERALD_SHUTDOWN_GRACE) must be >= 0 "
                + "seconds, got " + shutdownGraceSeconds);
        check(maxConnections >= 0, "max connections (--max-connections, HERALD_MAX_CONNECTIONS) must be >= 0 "
                + "(0 = no limit), got " + maxConnections);
        check(maxConnectionsPerIpPerSecond >= 0, "--max-connections-per-ip-per-second "
                + "(HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND) must be >= 0 (0 = no limit), got "
                + maxConnectionsPerIpPerSecond);
        check(nodeLeaseSeconds >= 2, "node lease (--node-lease, HERALD_NODE_LEASE_SECONDS) must be >= 2 seconds, got "
                + nodeLeaseSeconds);
        check(redisUrl == null || redisUrl.startsWith("redis://") || redisUrl.startsWith("rediss://"),
                "Redis URL (--redis-url, HERALD_REDIS_URL) must start with redis:// or rediss://, got " + Redact.url(redisUrl));
        check(!apps.isEmpty() || appsDatabase != null, "at least one app must be configured (or an apps database)");
    }

    /**
     * TLS from PEM files; {@code null} in the config means plain text.
     *
     * @param certificate the certificate chain (PEM)
     * @param privateKey  the private key (PEM, PKCS#8)
     */
    public record Tls(java.nio.file.Path certificate, java.nio.file.Path privateKey) {
        public Tls {
            for (java.nio.file.Path p : new java.nio.file.Path[] {certificate, privateKey}) {
                if (p == null || !java.nio.file.Files.isReadable(p)) {
                    throw new ConfigException("TLS needs both --tls-cert (HERALD_TLS_CERT) and --tls-key "
                            + "(HERALD_TLS_KEY) as readable PEM files; cannot read " + p);
                }
            }
        }
    }

    /**
     * Apps kept in a database ({@code HERALD_APPS_JDBC_URL}); {@code null} in the config means none.
     * The password is never printed.
     */
    public record AppsDatabase(String url, String user, String password) {
        public AppsDatabase {
            if (url == null || !url.startsWith("jdbc:")) {
                throw new ConfigException("--apps-jdbc-url (HERALD_APPS_JDBC_URL) must be a jdbc: URL, got " + Redact.url(url));
            }
        }

        @Override
        public String toString() {
            return "AppsDatabase[" + Redact.url(url) + "]";
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }

    /**
     * Whether {@code address} is reachable only from this machine (127.0.0.0/8, ::1, localhost);
     * {@code 0.0.0.0}, {@code ::} and an interface's own address are not.
     *
     * @throws ConfigException if the name does not resolve
     */
    public static boolean isLoopback(String address, String setting) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(setting + ": cannot resolve " + address);
        }
    }

    /** Whether the server port listens beyond this machine. */
    public boolean exposed() {
        return !isLoopback(host, "--host (HERALD_HOST)");
    }

    /**
     * Refuses an exposed server while any app signs with the published default secret: anyone who
     * read the docs could then trigger events and authorize private and presence channels.
     *
     * @throws ConfigException naming {@code HERALD_APP_SECRET} and {@code --app-secret}
     */
    public void refuseDefaultSecretWhenExposed(Collection<App> served) {
        if (exposed() && served.stream().anyMatch(app -> DEFAULT_APP_SECRET.equals(app.secret()))) {
            throw new ConfigException("refusing to listen on " + host + " (not loopback) while an app uses the "
                    + "published default secret '" + DEFAULT_APP_SECRET + "': anyone could sign API requests and "
                    + "channel authorizations. Set HERALD_APP_SECRET (or --app-secret) to a secret of your own, "
                    + "or listen on 127.0.0.1 (HERALD_HOST).");
        }
    }

    public int effectiveEventLoopThreads() {
        return eventLoopThreads == 0 ? Runtime.getRuntime().availableProcessors() : eventLoopThreads;
    }
}
