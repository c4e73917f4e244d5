package dev.herald.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Jackson helpers for reading frames and response bodies. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * The {@code data} of a Pusher frame as JSON: a string holding JSON is decoded (the
     * double-encoded form of docs/protocol.md §2.3), an object is returned as it is.
     */
    public static JsonNode data(JsonNode frame) {
        JsonNode data = frame.get("data");
        if (data != null && data.isTextual()) {
            try {
                return MAPPER.readTree(data.asText());
            } catch (JsonProcessingException e) {
                return data;
            }
        }
        return data;
    }
}
