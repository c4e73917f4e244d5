package dev.herald.apps.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.apps.WebhookTarget;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The JSON text columns: {@code webhooks}, an array of {@code {"url", "event_types",
 * "channel_prefix"}} named as in the YAML apps file, and {@code allowed_origins}, an array of
 * strings. {@code NULL} or blank means an empty list.
 */
final class JsonColumns {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("url", "event_types", "channel_prefix");

    private JsonColumns() {
    }

    static String writeWebhooks(List<WebhookTarget> targets) {
        ArrayNode array = JSON.createArrayNode();
        for (WebhookTarget target : targets) {
            ObjectNode node = array.addObject();
            node.put("url", target.url().toString());
            if (!target.eventTypes().isEmpty()) {
                ArrayNode types = node.putArray("event_types");
                target.eventTypes().stream().sorted().forEach(types::add);
            }
            if (target.channelPrefix() != null) {
                node.put("channel_prefix", target.channelPrefix());
            }
        }
        return array.toString();
    }

    static String writeStrings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array.toString();
    }

    /** Parses a list of strings; a problem throws {@link IllegalArgumentException} naming the column. */
    static List<String> readStrings(String column, String text) {
        JsonNode root = parse(column, text);
        if (root == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        if (root.isArray()) {
            for (JsonNode value : root) {
                if (!value.isTextual() || value.asText().isBlank()) {
                    values = null;
                    break;
                }
                values.add(value.asText());
            }
        }
        if (values == null || !root.isArray()) {
            throw new IllegalArgumentException(column + " must be a JSON array of non-empty strings, got " + text);
        }
        return values;
    }

    /** Parses the webhooks; a problem throws {@link IllegalArgumentException} naming the entry. */
    static List<WebhookTarget> readWebhooks(String text) {
        JsonNode root = parse("webhooks", text);
        if (root == null) {
            return List.of();
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("webhooks must be a JSON array of {url, event_types, channel_prefix}");
        }
        List<WebhookTarget> targets = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            targets.add(target("webhooks[" + i + "]", root.get(i)));
        }
        return targets;
    }

    private static JsonNode parse(String column, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(column + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static WebhookTarget target(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with a url");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key '" + key
                        + "'; known keys: url, event_types, channel_prefix");
            }
        }
        JsonNode url = node.get("url");
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            throw new IllegalArgumentException(where + ".url is required and must be a string");
        }
        Set<String> types = new HashSet<>();
        JsonNode typeList = node.get("event_types");
        if (typeList != null && !typeList.isNull()) {
            if (!typeList.isArray()) {
                throw new IllegalArgumentException(where + ".event_types must be an array of event names");
            }
            typeList.forEach(t -> types.add(t.asText()));
        }
        JsonNode prefix = node.get("channel_prefix");
        try {
            return new WebhookTarget(URI.create(url.asText()), types,
                    prefix == null || prefix.isNull() ? null : prefix.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }
}
