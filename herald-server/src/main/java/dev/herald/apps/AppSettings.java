package dev.herald.apps;

import dev.herald.settings.Bound;
import dev.herald.settings.Setting;
import dev.herald.settings.SettingValues;
import dev.herald.settings.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every setting of an app, in the order of the apps file and of the {@code herald_apps} columns.
 * Each is a key of the YAML apps file ({@code config.AppsFile}), a column of the table ({@code
 * apps.jdbc.AppTable}), a field of {@code herald apps create --set} if settable, and, with a flag,
 * a setting of the default app ({@code config.ServerSettings} places those flags).
 *
 * <p>To add one: declare it here with {@link #field}, give {@link AppFeatures} or {@link AppLimits}
 * the component, and pass it in {@link #build}. The file, the table (a new column is added to an
 * existing table), {@code herald apps}, the flag and {@code --help} follow; {@code
 * config.SettingsDocs} rewrites the docs tables (a test fails until it has run).
 */
public final class AppSettings {

    private static final List<Setting<?>> ALL = new ArrayList<>();
    private static final Map<Setting<?>, Function<App, ?>> READERS = new HashMap<>();
    private static final String DEFAULT_APP = "default-app";

    public static final Setting<String> ID =
            field(
                    Setting.of("id", Types.STRING)
                            .bound(Bound.rule(AppIds::problem, "must be " + AppIds.RULE))
                            .column("VARCHAR(255) NOT NULL PRIMARY KEY")
                            .meaning("the app id")
                            .flag("--app-id", "HERALD_APP_ID", "Default app id (HERALD_APP_ID).")
                            .flagDefault("app-id")
                            .doc(
                                    "essentials",
                                    null,
                                    "the default app's id (see [App ids](#app-ids))"),
                    App::id);

    public static final Setting<String> KEY =
            field(
                    Setting.of("key", Types.STRING)
                            .column("VARCHAR(255) NOT NULL UNIQUE")
                            .meaning("the app key (what clients connect with)")
                            .flag(
                                    "--app-key",
                                    "HERALD_APP_KEY",
                                    "Default app key (HERALD_APP_KEY).")
                            .flagDefault("app-key")
                            .doc(
                                    "essentials",
                                    null,
                                    "the default app's key (what clients connect with)"),
                    App::key);

    public static final Setting<String> SECRET =
            field(
                    Setting.of("secret", Types.STRING)
                            .column("VARCHAR(255) NOT NULL")
                            .meaning("the app secret")
                            .flag(
                                    "--app-secret",
                                    "HERALD_APP_SECRET",
                                    "Default app secret (HERALD_APP_SECRET); the published "
                                            + "default app-secret works on loopback only.")
                            .flagDefault("app-secret")
                            .secret()
                            .doc(
                                    "essentials",
                                    null,
                                    "the default app's secret. The default works on loopback only (with a "
                                            + "warning); `--help` never shows the value"),
                    App::secret);

    public static final Setting<Boolean> ENABLED =
            field(
                    Setting.of("enabled", Types.BOOLEAN)
                            .defaultValue(true)
                            .column("BOOLEAN DEFAULT TRUE NOT NULL")
                            .meaning("`false`: connections get 4003, the API answers 403"),
                    App::enabled);

    public static final Setting<Boolean> CLIENT_EVENTS =
            field(
                    Setting.of("client_events", Types.BOOLEAN)
                            .defaultValue(true)
                            .settable()
                            .meaning(
                                    "clients may send `client-*` events on private and presence channels")
                            .flag(
                                    "--app-client-events",
                                    "HERALD_APP_CLIENT_EVENTS",
                                    "Allow client-* events on the default app (HERALD_APP_CLIENT_EVENTS).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().clientEvents());

    public static final Setting<Boolean> USER_AUTHENTICATION =
            field(
                    Setting.of("user_authentication", Types.BOOLEAN)
                            .defaultValue(true)
                            .settable()
                            .meaning("clients may sign in (`pusher:signin`)")
                            .flag(
                                    "--app-user-authentication",
                                    "HERALD_APP_USER_AUTHENTICATION",
                                    "Allow pusher:signin on the default app (HERALD_APP_USER_AUTHENTICATION).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().userAuthentication());

    public static final Setting<Boolean> WATCHLIST =
            field(
                    Setting.of("watchlist", Types.BOOLEAN)
                            .defaultValue(true)
                            .settable()
                            .meaning(
                                    "signed-in users get online/offline events for their watchlist")
                            .flag(
                                    "--app-watchlist",
                                    "HERALD_APP_WATCHLIST",
                                    "Send watchlist online/offline events on the default app (HERALD_APP_WATCHLIST).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().watchlist());

    public static final Setting<Boolean> SUBSCRIPTION_COUNT =
            field(
                    Setting.of("subscription_count", Types.BOOLEAN)
                            .defaultValue(false)
                            .settable()
                            .meaning(
                                    "subscribers of non-presence channels get `pusher_internal:subscription_count` (coalesced "
                                            + "over 250 ms)")
                            .flag(
                                    "--app-subscription-count",
                                    "HERALD_APP_SUBSCRIPTION_COUNT",
                                    "Send pusher_internal:subscription_count on the default app (HERALD_APP_SUBSCRIPTION_COUNT).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().subscriptionCount());

    public static final Setting<Boolean> AUTHORIZED_CONNECTIONS =
            field(
                    Setting.of("authorized_connections", Types.BOOLEAN)
                            .defaultValue(false)
                            .settable()
                            .meaning(
                                    "a connection must sign in or join a private/presence channel in time, or is closed "
                                            + "with 4009")
                            .flag(
                                    "--app-authorized-connections",
                                    "HERALD_APP_AUTHORIZED_CONNECTIONS",
                                    "Close default-app connections that neither sign in nor join a private or presence "
                                            + "channel in time (HERALD_APP_AUTHORIZED_CONNECTIONS).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().authorizedConnections());

    public static final Setting<Duration> AUTHORIZED_CONNECTION_TIMEOUT =
            field(
                    Setting.of("authorized_connection_timeout", Types.SECONDS)
                            .defaultValue(Duration.ofSeconds(30))
                            .bound(Bound.positiveSeconds())
                            .settable()
                            .meaning("seconds allowed for that")
                            .flag(
                                    "--app-authorized-connection-timeout",
                                    "HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT",
                                    "Seconds an unauthorized connection may stay (HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.features().authorizedConnectionTimeout());

    public static final Setting<List<String>> ALLOWED_ORIGINS =
            field(
                    Setting.of("allowed_origins", Types.STRINGS)
                            .defaultValue(List.of())
                            .settable()
                            .meaning(
                                    "origins allowed to open WebSocket connections; `https://*.example.com` allows subdomains; "
                                            + "others get 4009")
                            .flag(
                                    "--app-allowed-origins",
                                    "HERALD_APP_ALLOWED_ORIGINS",
                                    "Origins allowed to connect to the "
                                            + "default app, comma-separated (https://*.example.com allows subdomains); empty = all "
                                            + "(HERALD_APP_ALLOWED_ORIGINS).")
                            .doc(
                                    DEFAULT_APP,
                                    "none (all)",
                                    "comma-separated origins allowed to open WebSocket connections; "
                                            + "`https://*.example.com` allows subdomains; others get 4009"),
                    a -> a.features().allowedOrigins());

    public static final Setting<Integer> MAX_CONNECTIONS =
            field(
                    Setting.of("max_connections", Types.INT)
                            .defaultValue(0)
                            .settable()
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = no limit)"))
                            .meaning("concurrent connections; beyond it 4004")
                            .flag(
                                    "--app-max-connections",
                                    "HERALD_APP_MAX_CONNECTIONS",
                                    "Concurrent connections of the "
                                            + "default app, 0 = no limit; beyond it 4004 (HERALD_APP_MAX_CONNECTIONS).")
                            .doc(DEFAULT_APP, "`0` (none)", null),
                    a -> a.limits().maxConnections());

    public static final Setting<Integer> MAX_EVENT_BYTES =
            field(
                    Setting.of("max_event_bytes", Types.INT)
                            .defaultValue(10_240)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("largest event `data` (HTTP: 413; client event: error 4305)")
                            .flag(
                                    "--max-event-bytes",
                                    "HERALD_MAX_EVENT_BYTES",
                                    "Largest event data in bytes (HERALD_MAX_EVENT_BYTES).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxEventBytes());

    public static final Setting<Integer> MAX_CHANNELS_PER_CONNECTION =
            field(
                    Setting.of("max_channels_per_connection", Types.INT)
                            .defaultValue(100)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("channels one connection may join (error 4304)")
                            .flag(
                                    "--max-channels-per-connection",
                                    "HERALD_MAX_CHANNELS_PER_CONNECTION",
                                    "Channels one connection may join (HERALD_MAX_CHANNELS_PER_CONNECTION).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxChannelsPerConnection());

    public static final Setting<Integer> MAX_PRESENCE_MEMBERS =
            field(
                    Setting.of("max_presence_members", Types.INT)
                            .defaultValue(100)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("distinct users per presence channel (error 4306)")
                            .flag(
                                    "--max-presence-members",
                                    "HERALD_MAX_PRESENCE_MEMBERS",
                                    "Distinct users per presence channel (HERALD_MAX_PRESENCE_MEMBERS).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxPresenceMembers());

    public static final Setting<Integer> MAX_PRESENCE_USER_INFO_BYTES =
            field(
                    Setting.of("max_presence_user_info_bytes", Types.INT)
                            .defaultValue(1_024)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("size of a member's `user_info` (error 4307)")
                            .flag(
                                    "--max-presence-user-info-bytes",
                                    "HERALD_MAX_PRESENCE_USER_INFO_BYTES",
                                    "Size of one member's user_info (HERALD_MAX_PRESENCE_USER_INFO_BYTES).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxPresenceUserInfoBytes());

    public static final Setting<Integer> CLIENT_EVENTS_PER_SECOND =
            field(
                    Setting.of("client_events_per_second", Types.INT)
                            .defaultValue(10)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("client events per connection per second (error 4301)")
                            .flag(
                                    "--client-events-per-second",
                                    "HERALD_CLIENT_EVENTS_PER_SECOND",
                                    "Client events one connection may send per second (HERALD_CLIENT_EVENTS_PER_SECOND).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().clientEventsPerSecond());

    public static final Setting<Integer> MAX_CHANNEL_NAME_LENGTH =
            field(
                    Setting.of("max_channel_name_length", Types.INT)
                            .defaultValue(200)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("longest channel name (error 4302)")
                            .flag(
                                    "--max-channel-name-length",
                                    "HERALD_MAX_CHANNEL_NAME_LENGTH",
                                    "Longest channel name (HERALD_MAX_CHANNEL_NAME_LENGTH).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxChannelNameLength());

    public static final Setting<Integer> MAX_WATCHLIST_SIZE =
            field(
                    Setting.of("max_watchlist_size", Types.INT)
                            .defaultValue(100)
                            .settable()
                            .bound(Bound.positive())
                            .meaning("users one sign-in may watch")
                            .flag(
                                    "--max-watchlist-size",
                                    "HERALD_MAX_WATCHLIST_SIZE",
                                    "Users one sign-in may watch (HERALD_MAX_WATCHLIST_SIZE).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().maxWatchlistSize());

    public static final Setting<Duration> CACHE_TTL =
            field(
                    Setting.of("cache_ttl", Types.SECONDS)
                            .defaultValue(Duration.ofMinutes(30))
                            .settable()
                            .bound(Bound.positiveSeconds())
                            .meaning("seconds a cache channel keeps its last event")
                            .flag(
                                    "--cache-ttl",
                                    "HERALD_CACHE_TTL",
                                    "Seconds a cache channel keeps its last event (HERALD_CACHE_TTL).")
                            .doc(DEFAULT_APP, null, null),
                    a -> a.limits().cacheTtl());

    public static final Setting<Integer> API_REQUESTS_PER_SECOND =
            field(
                    Setting.of("api_requests_per_second", Types.INT)
                            .defaultValue(0)
                            .settable()
                            .bound(Bound.atLeast(0, "must be >= 0 (0 = no limit)"))
                            .meaning("HTTP API requests per second; beyond it 429 with a JSON body")
                            .flag(
                                    "--app-api-requests-per-second",
                                    "HERALD_APP_API_REQUESTS_PER_SECOND",
                                    "HTTP API requests per second for the default app; 0 = no limit; beyond it 429 "
                                            + "(HERALD_APP_API_REQUESTS_PER_SECOND).")
                            .doc(DEFAULT_APP, "`0` (none)", null),
                    a -> a.limits().apiRequestsPerSecond());

    public static final Setting<List<WebhookTarget>> WEBHOOKS =
            field(
                    Setting.of("webhooks", WebhookTargetsType.INSTANCE)
                            .defaultValue(List.of())
                            .meaning(
                                    "where webhooks go: a list of `url`, `event_types` (default: all) and `channel_prefix` "
                                            + "(default: all)")
                            .flag(
                                    "--app-webhook-url",
                                    "HERALD_APP_WEBHOOK_URL",
                                    "Receiver of every webhook of the default app (HERALD_APP_WEBHOOK_URL).")
                            .secret()
                            .doc(
                                    DEFAULT_APP,
                                    null,
                                    "receiver of every webhook event of the default app"),
                    App::webhooks);

    public static final Setting<List<HistoryRule>> HISTORY =
            field(
                    Setting.of("history", HistoryRulesType.INSTANCE)
                            .defaultValue(List.of())
                            .settable()
                            .meaning(
                                    "channels whose recent events are kept for recovery (docs/recovery.md): a list "
                                            + "of at most 16 rules of `channels` (a channel name prefix, at most 200 "
                                            + "characters; the first rule that matches decides), `size` (events kept per "
                                            + "channel, 1–10,000, default 100) and `ttl_seconds` (how long each is kept, "
                                            + "1–86,400, default 300). In the table and for `--set`, the same as a JSON "
                                            + "array: `history=[{\"channels\":\"private-build-\",\"size\":200}]`")
                            .flag(
                                    "--app-history-channels",
                                    "HERALD_APP_HISTORY_CHANNELS",
                                    "Channel name prefixes whose recent events the default app keeps for "
                                            + "recovery, comma-separated, one history rule each with "
                                            + "--app-history-size and --app-history-ttl-seconds; empty = none "
                                            + "(HERALD_APP_HISTORY_CHANNELS).")
                            .doc(
                                    DEFAULT_APP,
                                    "none",
                                    "comma-separated channel name prefixes (at most 16) whose recent events the "
                                            + "default app keeps for recovery (docs/recovery.md): one history rule each, "
                                            + "of `--app-history-size` events kept for `--app-history-ttl-seconds`"),
                    App::history);

    private AppSettings() {}

    private static <T> Setting<T> field(Setting.Builder<T> builder, Function<App, T> reader) {
        Setting<T> setting = builder.build();
        ALL.add(setting);
        READERS.put(setting, reader);
        return setting;
    }

    /** Every app setting, in the order of the apps file and of the table's columns. */
    public static List<Setting<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** The setting of this name (a key of the apps file, a column), or {@code null}. */
    public static Setting<?> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** This app's value of the setting. */
    @SuppressWarnings("unchecked")
    public static <T> T read(Setting<T> setting, App app) {
        return (T) READERS.get(setting).apply(app);
    }

    /** Every value of this app. */
    public static SettingValues values(App app) {
        SettingValues values = new SettingValues();
        for (Setting<?> setting : ALL) {
            copy(setting, app, values);
        }
        return values;
    }

    private static <T> void copy(Setting<T> setting, App app, SettingValues values) {
        values.put(setting, read(setting, app));
    }

    /**
     * The app of these values (a setting without a value has its default).
     *
     * @throws IllegalArgumentException naming the setting whose value is refused
     * @throws NullPointerException if the id, key or secret is missing
     */
    public static App build(SettingValues v) {
        AppFeatures features =
                new AppFeatures(
                        v.get(CLIENT_EVENTS),
                        v.get(USER_AUTHENTICATION),
                        v.get(WATCHLIST),
                        v.get(SUBSCRIPTION_COUNT),
                        v.get(AUTHORIZED_CONNECTIONS),
                        v.get(AUTHORIZED_CONNECTION_TIMEOUT),
                        v.get(ALLOWED_ORIGINS));
        AppLimits limits =
                new AppLimits(
                        v.get(MAX_CONNECTIONS),
                        v.get(MAX_EVENT_BYTES),
                        v.get(MAX_CHANNELS_PER_CONNECTION),
                        v.get(MAX_PRESENCE_MEMBERS),
                        v.get(MAX_PRESENCE_USER_INFO_BYTES),
                        v.get(CLIENT_EVENTS_PER_SECOND),
                        v.get(MAX_CHANNEL_NAME_LENGTH),
                        v.get(MAX_WATCHLIST_SIZE),
                        v.get(CACHE_TTL),
                        v.get(API_REQUESTS_PER_SECOND));
        return new App(
                v.get(ID),
                v.get(KEY),
                v.get(SECRET),
                v.get(ENABLED),
                features,
                limits,
                v.get(WEBHOOKS),
                v.get(HISTORY));
    }
}
