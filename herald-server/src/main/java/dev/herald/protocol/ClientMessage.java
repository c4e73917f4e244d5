package dev.herald.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One message from a client (docs/protocol.md §2.3): {@code {"event":..,"channel":..,"data":..}}.
 *
 * @param event the event name, never null
 * @param channel the channel, or {@code null}
 * @param data the {@code data} value as sent (object, string or absent: {@code null})
 */
public record ClientMessage(String event, String channel, JsonNode data) {

    /** Why a frame could not be read as a client message. */
    public static final class Malformed extends Exception {
        public Malformed(String message) {
            super(message, null, false, false);
        }
    }

    public static ClientMessage parse(String text) throws Malformed {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Malformed("Invalid JSON: " + ClientInput.quote(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new Malformed("A message must be a JSON object");
        }
        JsonNode event = root.get("event");
        if (event == null || !event.isTextual() || event.asText().isEmpty()) {
            throw new Malformed("A message must have a string \"event\"");
        }
        if (event.asText().length() > ClientInput.MAX_EVENT_NAME_LENGTH) {
            throw new Malformed(
                    "Event name is longer than "
                            + ClientInput.MAX_EVENT_NAME_LENGTH
                            + " characters: "
                            + ClientInput.quote(event.asText()));
        }
        JsonNode channel = root.get("channel");
        if (channel != null && !channel.isTextual() && !channel.isNull()) {
            throw new Malformed("\"channel\" must be a string");
        }
        String channelName = channel == null || channel.isNull() ? null : channel.asText();
        JsonNode data = root.get("data");
        return new ClientMessage(
                event.asText(), channelName, data == null || data.isNull() ? null : data);
    }

    /**
     * The {@code data} as an object, accepting the JSON-string form too (protocol §2.3: be lenient
     * for subscribe, unsubscribe and signin).
     */
    public JsonNode dataObject() throws Malformed {
        if (data == null) {
            throw new Malformed("\"" + event + "\" needs a \"data\" object");
        }
        if (data.isObject()) {
            return data;
        }
        if (data.isTextual()) {
            try {
                JsonNode parsed = Json.MAPPER.readTree(data.asText());
                if (parsed != null && parsed.isObject()) {
                    return parsed;
                }
            } catch (JsonProcessingException e) {
                // fall through to the error below
            }
        }
        throw new Malformed("\"" + event + "\" needs a \"data\" object");
    }

    /** Reads a string field of {@code data}, or {@code null} if absent or not a string. */
    public static String text(JsonNode object, String field) {
        JsonNode node = object.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }
}
