package dev.herald.config;

import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.internal.Redact;
import dev.herald.limits.MessageBudget;
import dev.herald.transport.FanoutSend;
import dev.herald.transport.TransportKind;
import dev.herald.webhooks.WebhookSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Every server setting, immutable. {@link ConfigLoader} builds it from the schema ({@link
 * ServerSettings}, {@link dev.herald.apps.AppSettings}): an unusable value stops start-up with a
 * message naming the setting (its flag and environment variable), never a silent correction. {@code
 * docs/configuration.md} documents each one.
 *
 * <p>{@code historyMaxBytes} bounds the channel history one node keeps in memory, all apps together
 * ({@code history.LocalChannelHistory}).
 */
public record HeraldConfig(
        String host,
        int port,
        String pathPrefix,
        List<String> trustedProxies,
        TransportKind transport,
        FanoutSend fanoutSend,
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
        boolean warmUp,
        int warmUpConnections,
        double shutdownGraceSeconds,
        int maxConnections,
        int maxConnectionsPerIpPerSecond,
        Tls tls,
        Redis redis,
        int nodeLeaseSeconds,
        AppsDatabase appsDatabase,
        WebhookSettings webhooks,
        List<App> apps,
        MessageBudget messageBudget,
        long historyMaxBytes,
        Console console) {

    /** The default app's secret, published in the docs: fine on loopback, refused anywhere else. */
    public static final String DEFAULT_APP_SECRET = AppSettings.SECRET.flag().defaultText();

    /**
     * Only what ties settings together is checked here: {@link ConfigLoader} has checked each value
     * against its bound in {@link ServerSettings}.
     */
    public HeraldConfig {
        Objects.requireNonNull(host, "host");
        pathPrefix = pathPrefix == null ? "" : pathPrefix;
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        metricsHost = metricsHost == null || metricsHost.isBlank() ? host : metricsHost.trim();
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(fanoutSend, "fanoutSend");
        apps = List.copyOf(apps);
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(messageBudget, "messageBudget");
        Objects.requireNonNull(console, "console");
        check(
                !apps.isEmpty() || appsDatabase != null,
                "at least one app must be configured (or an apps database)");
    }

    /**
     * TLS from PEM files; {@code null} in the config means plain text. {@link ConfigLoader} has
     * checked that both are given and readable, naming the setting that is not.
     *
     * @param certificate the certificate chain (PEM)
     * @param privateKey the private key (PEM, PKCS#8)
     */
    public record Tls(Path certificate, Path privateKey) {
        public Tls {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(privateKey, "privateKey");
        }
    }

    /**
     * The console on the ops port (docs/console.md).
     *
     * @param token the sign-in token, or {@code null}: the node generates a key and logs one-time
     *     links
     * @param keyFile where a generated key is kept for {@code herald console-link}, or {@code null}
     *     for the default place
     */
    public record Console(boolean enabled, String token, int maxViewers, Path keyFile) {
        @Override
        public String toString() {
            return "Console[enabled="
                    + enabled
                    + ", token="
                    + (token == null ? "none" : "****")
                    + "]";
        }
    }

    /**
     * The Redis the cluster's nodes share ({@code null} in the config: a node on its own): one
     * Redis or its sentinels by {@code url}, or a Redis Cluster by some of its {@code
     * clusterNodes}, with the cluster's credentials. The password is never printed.
     */
    public record Redis(
            String url,
            List<String> clusterNodes,
            String username,
            String password,
            boolean tls,
            boolean shardedPubSub) {
        public Redis {
            clusterNodes = List.copyOf(clusterNodes);
        }

        @Override
        public String toString() {
            return url != null
                    ? "Redis[" + Redact.url(url) + "]"
                    : "Redis[cluster "
                            + String.join(",", clusterNodes)
                            + ", tls="
                            + tls
                            + ", sharded="
                            + shardedPubSub
                            + "]";
        }
    }

    /**
     * Apps kept in a database ({@code HERALD_APPS_JDBC_URL}); {@code null} in the config means
     * none. The password is never printed.
     */
    public record AppsDatabase(String url, String user, String password) {
        public AppsDatabase {
            Objects.requireNonNull(url, "url");
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
            throw new ConfigException(
                    "refusing to listen on "
                            + host
                            + " (not loopback) while an app uses the "
                            + "published default secret '"
                            + DEFAULT_APP_SECRET
                            + "': anyone could sign API requests and "
                            + "channel authorizations. Set HERALD_APP_SECRET (or --app-secret) to a secret of your own, "
                            + "or listen on 127.0.0.1 (HERALD_HOST).");
        }
    }

    public int effectiveEventLoopThreads() {
        return eventLoopThreads == 0
                ? Runtime.getRuntime().availableProcessors()
                : eventLoopThreads;
    }
}
