package dev.herald.config;

import static dev.herald.config.ServerSettings.*;

import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.apps.HistoryRule;
import dev.herald.limits.MessageBudget;
import dev.herald.settings.Setting;
import dev.herald.settings.SettingValues;
import dev.herald.webhooks.WebhookSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@link HeraldConfig} from the command line and the environment: each value is read and
 * checked by its schema entry ({@link ServerSettings}, {@link AppSettings}), so a refusal names the
 * flag and its variable; then the apps are gathered from the default app's flags, the apps file and
 * the apps database.
 */
public final class ConfigLoader {

    /**
     * Where the values come from: the parsed command line, whose defaults come from the
     * environment.
     */
    public interface Source {

        /**
         * The value as the command line converted it to the type's flag type, the flag's default if
         * not given; for a setting with only a variable, that variable's text. {@code null} if
         * unset.
         */
        Object raw(Setting<?> setting);

        /** Whether the flag or its variable was given, rather than left to its default. */
        boolean isSet(Setting<?> setting);
    }

    private final Source source;

    private ConfigLoader(Source source) {
        this.source = source;
    }

    /**
     * @throws ConfigException naming the setting, for the first value that cannot be used
     */
    public static HeraldConfig load(Source source) {
        return new ConfigLoader(source).config();
    }

    /** The value of a setting with a flag or a variable, checked against its bound. */
    private <T> T value(Setting<T> setting) {
        try {
            return setting.fromFlag(source.raw(setting));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private HeraldConfig config() {
        App defaultApp = defaultApp();
        List<App> apps = new ArrayList<>();
        String jdbcUrl = value(APPS_JDBC_URL);
        HeraldConfig.AppsDatabase database =
                jdbcUrl == null
                        ? null
                        : new HeraldConfig.AppsDatabase(
                                jdbcUrl, value(APPS_JDBC_USER), value(APPS_JDBC_PASSWORD));
        if (value(CONFIG) != null) {
            apps.addAll(AppsFile.read(value(CONFIG)));
            if (defaultAppRequested()) {
                for (App app : apps) {
                    if (app.id().equals(defaultApp.id()) || app.key().equals(defaultApp.key())) {
                        throw new ConfigException(
                                "the app of "
                                        + (app.id().equals(defaultApp.id())
                                                ? AppSettings.ID.flag().subject()
                                                        + " '"
                                                        + app.id()
                                                        + "'"
                                                : AppSettings.KEY.flag().subject()
                                                        + " '"
                                                        + app.key()
                                                        + "'")
                                        + " is also in "
                                        + value(CONFIG)
                                        + ": give it in one place");
                    }
                }
                apps.add(defaultApp);
            }
        } else if (database != null) {
            // the database is the source of apps; the well-known default app is served only on
            // request
            if (defaultAppRequested()) {
                apps.add(defaultApp);
            }
        } else {
            apps.add(defaultApp);
        }
        return new HeraldConfig(
                value(HOST),
                value(PORT),
                value(PATH_PREFIX),
                value(TRUSTED_PROXIES),
                value(TRANSPORT_KIND),
                value(FANOUT_SEND),
                value(EVENT_LOOP_THREADS),
                value(ACTIVITY_TIMEOUT),
                value(PONG_TIMEOUT),
                value(WRITE_BUFFER_HIGH_WATER_MARK),
                value(MAX_FRAME_BYTES),
                value(MAX_HTTP_BODY_BYTES),
                value(HTTP_REQUEST_TIMEOUT),
                value(HTTP_IDLE_TIMEOUT),
                value(METRICS_PORT),
                source.isSet(METRICS_PORT),
                value(METRICS_HOST),
                value(EVENT_LOOP_STUCK_SECONDS),
                value(WARM_UP),
                value(WARM_UP_CONNECTIONS),
                value(SHUTDOWN_GRACE),
                value(MAX_CONNECTIONS),
                value(MAX_CONNECTIONS_PER_IP_PER_SECOND),
                tls(),
                redis(),
                value(NODE_LEASE),
                database,
                webhookSettings(),
                apps,
                messageBudget(),
                value(HISTORY_MAX_BYTES),
                new HeraldConfig.Console(
                        value(CONSOLE_ENABLED),
                        value(CONSOLE_TOKEN),
                        value(CONSOLE_MAX_VIEWERS),
                        value(CONSOLE_KEY_FILE)));
    }

    /**
     * One Redis (or its sentinels) by URL, or a Redis Cluster by some of its nodes; {@code null}
     * for a node on its own. The cluster's credentials mean nothing with a URL, so they are refused
     * there rather than ignored.
     */
    private HeraldConfig.Redis redis() {
        String url = value(REDIS_URL);
        List<String> nodes = value(REDIS_CLUSTER_NODES);
        if (url != null && !nodes.isEmpty()) {
            throw new ConfigException(
                    REDIS_URL.flag().subject()
                            + " and "
                            + REDIS_CLUSTER_NODES.flag().subject()
                            + " both name a Redis: give one");
        }
        if (nodes.isEmpty()) {
            for (Setting<?> part :
                    List.of(REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS, REDIS_SHARDED_PUBSUB)) {
                if (source.isSet(part)) {
                    throw new ConfigException(
                            part.flag().subject()
                                    + " applies to "
                                    + REDIS_CLUSTER_NODES.flag().subject()
                                    + " only (a URL carries its own credentials and rediss:// for TLS)");
                }
            }
            return url == null
                    ? null
                    : new HeraldConfig.Redis(url, List.of(), null, null, false, false);
        }
        return new HeraldConfig.Redis(
                null,
                nodes,
                value(REDIS_USERNAME),
                value(REDIS_PASSWORD),
                value(REDIS_TLS),
                value(REDIS_SHARDED_PUBSUB));
    }

    /** The app of the {@code --app-*} flags (and the default app's limits). */
    private App defaultApp() {
        SettingValues values = new SettingValues();
        for (Setting<?> setting : AppSettings.all()) {
            if (setting.flag() != null) {
                put(setting, values);
            }
        }
        values.put(AppSettings.HISTORY, defaultAppHistory(values.get(AppSettings.HISTORY)));
        try {
            return AppSettings.build(values);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The rules of {@code --app-history-channels} with the size and age of their own flags, which
     * mean nothing without it: given alone, they are refused rather than ignored.
     */
    private List<HistoryRule> defaultAppHistory(List<HistoryRule> prefixes) {
        int size = value(APP_HISTORY_SIZE);
        int ttlSeconds = value(APP_HISTORY_TTL_SECONDS);
        if (prefixes.isEmpty()) {
            for (Setting<Integer> part : List.of(APP_HISTORY_SIZE, APP_HISTORY_TTL_SECONDS)) {
                if (source.isSet(part)) {
                    throw new ConfigException(
                            part.flag().subject()
                                    + " applies to the default app's history rules, but "
                                    + AppSettings.HISTORY.flag().subject()
                                    + " names no channels: give both, or neither (apps of the apps "
                                    + "file or database give their history per app)");
                }
            }
            return prefixes;
        }
        return prefixes.stream()
                .map(rule -> new HistoryRule(rule.channels(), size, ttlSeconds))
                .toList();
    }

    private <T> void put(Setting<T> setting, SettingValues values) {
        values.put(setting, value(setting));
    }

    private boolean defaultAppRequested() {
        return source.isSet(AppSettings.ID)
                || source.isSet(AppSettings.KEY)
                || source.isSet(AppSettings.SECRET);
    }

    private HeraldConfig.Tls tls() {
        Path certificate = value(TLS_CERT);
        Path key = value(TLS_KEY);
        if (certificate == null && key == null) {
            return null;
        }
        for (Setting<Path> setting : List.of(TLS_CERT, TLS_KEY)) {
            Path file = value(setting);
            if (file == null) {
                Setting<Path> other = setting == TLS_CERT ? TLS_KEY : TLS_CERT;
                throw new ConfigException(
                        setting.flag().subject()
                                + " is not set: TLS needs it together with "
                                + other.flag().subject());
            }
            if (!Files.isReadable(file)) {
                throw new ConfigException(
                        setting.flag().subject()
                                + ": cannot read "
                                + file
                                + (Files.exists(file)
                                        ? " (permission denied)"
                                        : " (no such file)"));
            }
        }
        return new HeraldConfig.Tls(certificate, key);
    }

    private WebhookSettings webhookSettings() {
        try {
            return new WebhookSettings(
                    value(WEBHOOK_BATCH_MAX_EVENTS),
                    Duration.ofMillis(value(WEBHOOK_BATCH_MAX_WAIT_MS)),
                    Duration.ofMillis(value(WEBHOOK_DEBOUNCE_MS)),
                    Duration.ofMillis(value(WEBHOOK_TIMEOUT_MS)),
                    Duration.ofSeconds(value(WEBHOOK_RETRY_FOR_SECONDS)),
                    value(WEBHOOK_OUTBOX_LIMIT),
                    value(WEBHOOK_OUTBOX_MAX_BYTES),
                    value(WEBHOOK_QUEUE_MAX_EVENTS),
                    value(WEBHOOK_QUEUE_MAX_BYTES));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--webhook-* (HERALD_WEBHOOK_*): " + e.getMessage());
        }
    }

    private MessageBudget messageBudget() {
        try {
            return new MessageBudget(value(MAX_MESSAGES_PER_SECOND), value(MESSAGE_BURST));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    MAX_MESSAGES_PER_SECOND.flag().subject()
                            + " and "
                            + MESSAGE_BURST.flag().subject()
                            + ": "
                            + e.getMessage());
        }
    }
}
