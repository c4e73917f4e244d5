package dev.herald.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.apps.WebhookTarget;
import java.net.URI;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the apps of a YAML config file ({@code --config}, {@code HERALD_CONFIG}):
 *
 * <pre>
 * apps:
 *   - id: my-app
 *     key: my-key
 *     secret: my-secret
 *     max_connections: 5000
 * </pre>
 *
 * Every problem names its place ({@code apps[1].max_connections}) and what is wrong; unknown keys
 * are errors, so a typo never silently falls back to a default.
 */
public final class AppsFile {

    private static final Set<String> APP_KEYS = Set.of("id", "key", "secret", "enabled", "client_events",
            "user_authentication", "watchlist", "subscription_count", "authorized_connections",
            "authorized_connection_timeout", "max_connections", "max_event_bytes", "max_channels_per_connection",
            "max_presence_members", "max_presence_user_info_bytes", "client_events_per_second",
            "max_channel_name_length", "max_watchlist_size", "cache_ttl", "webhooks", "allowed_origins",
            "api_requests_per_second");
    private static final Set<String> WEBHOOK_KEYS = Set.of("url", "event_types", "channel_prefix");

    private AppsFile() {
    }

    public static List<App> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("config file " + file + " must be a YAML mapping with an 'apps' list");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!key.equals("apps")) {
                throw new ConfigException(file + ": unknown key '" + key + "' (expected 'apps')");
            }
        }
        JsonNode apps = root.get("apps");
        if (apps == null || !apps.isArray() || apps.isEmpty()) {
            throw new ConfigException(file + ": 'apps' must be a non-empty list");
        }
        List<App> result = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            result.add(app(file + ": apps[" + i + "]", apps.get(i)));
        }
        return result;
    }

    private static App app(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!APP_KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "'; known keys: " + String.join(", ",
                        APP_KEYS.stream().sorted().toList()));
            }
        }
        AppFeatures f = AppFeatures.defaults();
        AppLimits l = AppLimits.defaults();
        try {
            AppFeatures features = new AppFeatures(
                    bool(where, node, "client_events", f.clientEvents()),
                    bool(where, node, "user_authentication", f.userAuthentication()),
                    bool(where, node, "watchlist", f.watchlist()),
                    bool(where, node, "subscription_count", f.subscriptionCount()),
                    bool(where, node, "authorized_connections", f.authorizedConnections()),
                    seconds(where, node, "authorized_connection_timeout", f.authorizedConnectionTimeout()),
                    strings(where, node, "allowed_origins"));
            AppLimits limits = new AppLimits(
                    integer(where, node, "max_connections", l.maxConnections()),
                    integer(where, node, "max_event_bytes", l.maxEventBytes()),
                    integer(where, node, "max_channels_per_connection", l.maxChannelsPerConnection()),
                    integer(where, node, "max_presence_members", l.maxPresenceMembers()),
                    integer(where, node, "max_presence_user_info_bytes", l.maxPresenceUserInfoBytes()),
                    integer(where, node, "client_events_per_second", l.clientEventsPerSecond()),
                    integer(where, node, "max_channel_name_length", l.maxChannelNameLength()),
                    integer(where, node, "max_watchlist_size", l.maxWatchlistSize()),
                    seconds(where, node, "cache_ttl", l.cacheTtl()),
                    integer(where, node, "api_requests_per_second", l.apiRequestsPerSecond()));
            return new App(text(where, node, "id"), text(where, node, "key"), text(where, node, "secret"),
                    bool(where, node, "enabled", true), features, limits, webhooks(where, node.get("webhooks")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    private static List<WebhookTarget> webhooks(String where, JsonNode list) {
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(where + ".webhooks must be a list of {url, event_types, channel_prefix}");
        }
        List<WebhookTarget> targets = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + ".webhooks[" + i + "]";
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                throw new ConfigException(at + " must be a mapping with a url");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
                String key = it.next();
                if (!WEBHOOK_KEYS.contains(key)) {
                    throw new ConfigException(at + ": unknown key '" + key + "'; known keys: url, event_types, "
                            + "channel_prefix");
                }
            }
            Set<String> types = new java.util.HashSet<>();
            JsonNode typeList = node.get("event_types");
            if (typeList != null) {
                if (!typeList.isArray()) {
                    throw new ConfigException(at + ".event_types must be a list of event names");
                }
                typeList.forEach(t -> types.add(t.asText()));
            }
            JsonNode prefix = node.get("channel_prefix");
            try {
                targets.add(new WebhookTarget(URI.create(text(at, node, "url")), types,
                        prefix == null ? null : prefix.asText()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at + ": " + e.getMessage());
            }
        }
        return targets;
    }

    private static List<String> strings(String where, JsonNode node, String key) {
        JsonNode list = node.get(key);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(where + "." + key + " must be a list of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode value : list) {
            if (!value.isTextual() || value.asText().isBlank()) {
                throw new ConfigException(where + "." + key + " must hold non-empty strings, got " + value);
            }
            values.add(value.asText());
        }
        return values;
    }

    private static String text(String where, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isValueNode() || value.asText().isEmpty()) {
            throw new ConfigException(where + "." + key + " is required and must be a non-empty string");
        }
        return value.asText();
    }

    private static boolean bool(String where, JsonNode node, String key, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new ConfigException(where + "." + key + " must be true or false, got " + value);
        }
        return value.asBoolean();
    }

    private static int integer(String where, JsonNode node, String key, int fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new ConfigException(where + "." + key + " must be a whole number, got " + value);
        }
        return value.asInt();
    }

    private static Duration seconds(String where, JsonNode node, String key, Duration fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber() || value.asDouble() <= 0) {
            throw new ConfigException(where + "." + key + " must be a positive number of seconds, got " + value);
        }
        return Duration.ofMillis(Math.round(value.asDouble() * 1000));
    }
}
