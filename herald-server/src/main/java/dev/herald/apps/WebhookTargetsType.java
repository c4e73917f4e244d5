package dev.herald.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.internal.Redact;
import dev.herald.settings.SettingType;
import dev.herald.settings.Storage;
import dev.herald.settings.Types;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An app's webhook targets: in the apps file a list of {@code {url, event_types, channel_prefix}}
 * mappings, in the table the same as a JSON array, and on the command line one URL that receives
 * every event.
 */
final class WebhookTargetsType implements SettingType<List<WebhookTarget>> {

    static final WebhookTargetsType INSTANCE = new WebhookTargetsType();
    private static final Set<String> KEYS = Set.of("url", "event_types", "channel_prefix");

    private WebhookTargetsType() {}

    @Override
    public String requirement() {
        return "a list of {url, event_types, channel_prefix}";
    }

    @Override
    public Class<?> flagType() {
        return String.class;
    }

    @Override
    public List<WebhookTarget> fromFlag(Object raw, String where) {
        String url = (String) raw;
        if (url == null || url.isBlank()) {
            return List.of();
        }
        try {
            return List.of(WebhookTarget.all(URI.create(url.trim())));
        } catch (IllegalArgumentException e) {
            // the message quotes the URL, which may carry a password
            throw new IllegalArgumentException(where + ": " + Redact.url(e.getMessage()));
        }
    }

    @Override
    public List<WebhookTarget> fromYaml(JsonNode node, String where) {
        return read(node, where, false);
    }

    @Override
    public String text(List<WebhookTarget> value) {
        return value.stream().map(w -> w.url().toString()).collect(Collectors.joining(","));
    }

    @Override
    public Storage storage() {
        return Storage.TEXT;
    }

    @Override
    public Object toStored(List<WebhookTarget> targets) {
        ArrayNode array = Types.JSON.createArrayNode();
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

    @Override
    public List<WebhookTarget> fromStored(Object stored, String where) {
        JsonNode root = Types.parseJson((String) stored, where);
        return root == null ? List.of() : read(root, where, true);
    }

    /** The same structure from YAML or JSON; each refusal uses that language's words. */
    private static List<WebhookTarget> read(JsonNode list, String where, boolean json) {
        if (!list.isArray()) {
            throw new IllegalArgumentException(
                    where
                            + (json ? " must be a JSON array of" : " must be a list of")
                            + " {url, event_types, channel_prefix}");
        }
        List<WebhookTarget> targets = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                throw new IllegalArgumentException(
                        at + (json ? " must be an object" : " must be a mapping") + " with a url");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException(
                            at
                                    + ": unknown key '"
                                    + key
                                    + "'; known keys: url, event_types, channel_prefix");
                }
            }
            JsonNode url = node.get("url");
            if (json
                    ? url == null || !url.isTextual() || url.asText().isBlank()
                    : url == null || !url.isValueNode() || url.asText().isEmpty()) {
                throw new IllegalArgumentException(
                        at
                                + ".url is required and must be "
                                + (json ? "a string" : "a non-empty string"));
            }
            Set<String> types = new HashSet<>();
            JsonNode typeList = node.get("event_types");
            if (typeList != null && !(json && typeList.isNull())) {
                if (!typeList.isArray()) {
                    throw new IllegalArgumentException(
                            at
                                    + ".event_types must be "
                                    + (json ? "an array" : "a list")
                                    + " of event names");
                }
                typeList.forEach(t -> types.add(t.asText()));
            }
            JsonNode prefix = node.get("channel_prefix");
            try {
                targets.add(
                        new WebhookTarget(
                                URI.create(url.asText()),
                                types,
                                prefix == null || (json && prefix.isNull())
                                        ? null
                                        : prefix.asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage());
            }
        }
        return targets;
    }
}
