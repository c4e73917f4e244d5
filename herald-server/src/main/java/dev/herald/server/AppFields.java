package dev.herald.server;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * An app's features and limits as {@code name=value} text, under the names of the YAML apps file
 * and of the {@code herald_apps} columns: what {@code herald apps create --set} reads and
 * {@code herald apps list} prints. Lists ({@code allowed_origins}) are comma-separated.
 */
final class AppFields {

    private AppFields() {
    }

    /** Every feature and limit of the app, in the order of the apps file; durations in seconds. */
    static Map<String, String> describe(App app) {
        AppFeatures f = app.features();
        AppLimits l = app.limits();
        Map<String, String> out = new LinkedHashMap<>();
        out.put("client_events", String.valueOf(f.clientEvents()));
        out.put("user_authentication", String.valueOf(f.userAuthentication()));
        out.put("watchlist", String.valueOf(f.watchlist()));
        out.put("subscription_count", String.valueOf(f.subscriptionCount()));
        out.put("authorized_connections", String.valueOf(f.authorizedConnections()));
        out.put("authorized_connection_timeout", seconds(f.authorizedConnectionTimeout()));
        out.put("allowed_origins", String.join(",", f.allowedOrigins()));
        out.put("max_connections", String.valueOf(l.maxConnections()));
        out.put("max_event_bytes", String.valueOf(l.maxEventBytes()));
        out.put("max_channels_per_connection", String.valueOf(l.maxChannelsPerConnection()));
        out.put("max_presence_members", String.valueOf(l.maxPresenceMembers()));
        out.put("max_presence_user_info_bytes", String.valueOf(l.maxPresenceUserInfoBytes()));
        out.put("client_events_per_second", String.valueOf(l.clientEventsPerSecond()));
        out.put("max_channel_name_length", String.valueOf(l.maxChannelNameLength()));
        out.put("max_watchlist_size", String.valueOf(l.maxWatchlistSize()));
        out.put("cache_ttl", seconds(l.cacheTtl()));
        out.put("api_requests_per_second", String.valueOf(l.apiRequestsPerSecond()));
        return out;
    }

    /** The fields whose value differs from Herald's defaults. */
    static Map<String, String> changed(App app) {
        Map<String, String> defaults = describe(App.of(app.id(), app.key(), app.secret()));
        Map<String, String> out = new LinkedHashMap<>();
        describe(app).forEach((name, value) -> {
            if (!value.equals(defaults.get(name))) {
                out.put(name, value);
            }
        });
        return out;
    }

    /**
     * The app with these fields set.
     *
     * @throws IllegalArgumentException naming the field, for an unknown field or a bad value
     */
    static App apply(App app, Map<String, String> set) {
        Map<String, String> known = describe(app);
        for (String name : set.keySet()) {
            if (!known.containsKey(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "'; known fields: "
                        + String.join(", ", new TreeSet<>(known.keySet())));
            }
        }
        AppFeatures f = app.features();
        AppLimits l = app.limits();
        try {
            AppFeatures features = new AppFeatures(
                    bool(set, "client_events", f.clientEvents()),
                    bool(set, "user_authentication", f.userAuthentication()),
                    bool(set, "watchlist", f.watchlist()),
                    bool(set, "subscription_count", f.subscriptionCount()),
                    bool(set, "authorized_connections", f.authorizedConnections()),
                    duration(set, "authorized_connection_timeout", f.authorizedConnectionTimeout()),
                    list(set, "allowed_origins", f.allowedOrigins()));
            AppLimits limits = new AppLimits(
                    integer(set, "max_connections", l.maxConnections()),
                    integer(set, "max_event_bytes", l.maxEventBytes()),
                    integer(set, "max_channels_per_connection", l.maxChannelsPerConnection()),
                    integer(set, "max_presence_members", l.maxPresenceMembers()),
                    integer(set, "max_presence_user_info_bytes", l.maxPresenceUserInfoBytes()),
                    integer(set, "client_events_per_second", l.clientEventsPerSecond()),
                    integer(set, "max_channel_name_length", l.maxChannelNameLength()),
                    integer(set, "max_watchlist_size", l.maxWatchlistSize()),
                    duration(set, "cache_ttl", l.cacheTtl()),
                    integer(set, "api_requests_per_second", l.apiRequestsPerSecond()));
            return app.withFeatures(features).withLimits(limits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("--set") ? e.getMessage()
                    : "--set: " + e.getMessage());
        }
    }

    private static boolean bool(Map<String, String> set, String name, boolean fallback) {
        String value = set.get(name);
        if (value == null) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--set " + name + " must be true or false, got '" + value
                    + "'");
        };
    }

    /** A comma-separated list; an empty value clears it. */
    private static List<String> list(Map<String, String> set, String name, List<String> fallback) {
        String value = set.get(name);
        if (value == null) {
            return fallback;
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    private static int integer(Map<String, String> set, String name, int fallback) {
        String value = set.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--set " + name + " must be a whole number, got '" + value + "'");
        }
    }

    private static Duration duration(Map<String, String> set, String name, Duration fallback) {
        String value = set.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            BigDecimal secs = new BigDecimal(value.trim());
            if (secs.signum() <= 0) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(secs.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--set " + name + " must be a positive number of seconds, got '"
                    + value + "'");
        }
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
