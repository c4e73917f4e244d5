package dev.herald.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one shared, thread-safe Jackson mapper. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
