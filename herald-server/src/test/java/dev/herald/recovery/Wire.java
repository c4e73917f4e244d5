package dev.herald.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.CuttableProxy;
import dev.herald.testing.Json;
import java.util.List;
import java.util.stream.Collectors;

/** Reading the messages a {@link CuttableProxy} saw pass. */
final class Wire {

    static final String RECOVERY = "pusher:herald_recovery";
    static final String POSITION = "pusher_internal:herald_position";
    static final String RECOVERED = "pusher_internal:herald_recovered";

    private Wire() {}

    /** The messages as JSON, in order. */
    static List<JsonNode> parse(List<String> messages) {
        return messages.stream().map(Json::parse).collect(Collectors.toList());
    }

    /** The frames of that event ({@code channel} null: any channel), in order. */
    static List<JsonNode> frames(List<String> messages, String event, String channel) {
        return parse(messages).stream()
                .filter(f -> event.equals(f.path("event").asText()))
                .filter(f -> channel == null || channel.equals(f.path("channel").asText()))
                .collect(Collectors.toList());
    }

    /** The event names of the messages, in order. */
    static List<String> events(List<String> messages) {
        return parse(messages).stream()
                .map(f -> f.path("event").asText())
                .collect(Collectors.toList());
    }

    /** The data of a frame: JSON text (the server's) or an object (the helper's). */
    static JsonNode data(JsonNode frame) {
        return Json.data(frame);
    }

    /** The one {@code herald_recovered} of {@code channel} on that connection, as its data. */
    static JsonNode recovered(CuttableProxy.Link link, String channel) {
        List<JsonNode> recovered = frames(link.serverMessages(), RECOVERED, channel);
        if (recovered.size() != 1) {
            throw new AssertionError(
                    recovered.size()
                            + " "
                            + RECOVERED
                            + " for "
                            + channel
                            + " on one connection; server sent:\n"
                            + String.join("\n", link.serverMessages()));
        }
        return data(recovered.get(0));
    }

    /** The socket id of that connection's {@code pusher:connection_established}. */
    static String socketId(CuttableProxy.Link link) {
        return data(frames(link.serverMessages(), "pusher:connection_established", null).get(0))
                .path("socket_id")
                .asText();
    }
}
