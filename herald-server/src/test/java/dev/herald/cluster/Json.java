package dev.herald.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Jackson helpers for frames and response bodies. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The {@code data} of a Pusher frame, decoded when it is a string holding JSON (spec 2.3). */
    static JsonNode data(JsonNode frame) {
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
