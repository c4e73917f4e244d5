package dev.herald.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.history.ChannelHistory;
import dev.herald.history.HistoryPage;
import dev.herald.history.RecordedEvent;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;
import dev.herald.protocol.StreamPosition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /apps/{id}/channels/{name}/events}, a Herald extension (docs/recovery.md "The HTTP
 * API"): a channel's kept events, for an app's backend.
 */
final class HistoryApi {

    /** Events one request may ask for. */
    static final int MAX_LIMIT = 1_000;

    static final int DEFAULT_LIMIT = 100;

    private final ChannelHistory history;

    HistoryApi(ChannelHistory history) {
        this.history = history;
    }

    CompletionStage<Object> events(App app, String channel, Map<String, List<String>> params)
            throws ApiException {
        String nameProblem = ChannelNames.problem(channel, app.limits().maxChannelNameLength());
        if (nameProblem != null) {
            throw ApiException.badRequest(nameProblem + ": " + ClientInput.quote(channel));
        }
        HistoryRule rule = app.historyRule(channel);
        if (rule == null) {
            throw new ApiException(
                    404,
                    "Channel "
                            + channel
                            + " keeps no history: no history rule of app "
                            + app.id()
                            + " matches it");
        }
        StreamPosition since = null;
        String sinceText = HttpRouter.first(params, "since");
        if (sinceText != null) {
            since = StreamPosition.parse(sinceText);
            if (since == null) {
                throw ApiException.badRequest(
                        "since must be a position EPOCH:SERIAL (at most "
                                + StreamPosition.MAX_TEXT_LENGTH
                                + " characters), got "
                                + ClientInput.quote(sinceText));
            }
        }
        int limit = limit(HttpRouter.first(params, "limit"));
        StreamPosition asked = since;
        return history.read(app.id(), channel, since, limit, rule)
                .thenApply(page -> answer(page, asked));
    }

    private static int limit(String text) throws ApiException {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.badRequest(
                    "limit must be a whole number from 1 to "
                            + MAX_LIMIT
                            + ", got "
                            + ClientInput.quote(text));
        }
        return limit;
    }

    private static Object answer(HistoryPage page, StreamPosition since) {
        if (page.gap() != null) {
            throw new CompletionException(
                    new ApiException(
                            page.gap() == HistoryPage.Gap.AHEAD ? 400 : 410,
                            "Cannot read after "
                                    + since
                                    + ": "
                                    + page.gap().reason()
                                    + " (the history is at "
                                    + page.head()
                                    + "); read again without since"));
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("epoch", page.head().epoch());
        response.put("position", page.head().toString());
        ArrayNode events = response.putArray("events");
        for (RecordedEvent e : page.events()) {
            JsonNode frame = payload(e.frame());
            ObjectNode node = events.addObject();
            node.put("position", e.position().toString());
            node.set("event", frame.get("event"));
            node.set("data", frame.get("data"));
            if (e.excludeSocketId() != null) {
                node.put("socket_id", e.excludeSocketId());
            }
        }
        response.put("more", page.more());
        return response;
    }

    /** The JSON of a server-sent (unmasked) WebSocket text frame. */
    static JsonNode payload(byte[] frame) {
        int length = frame[1] & 0x7F;
        int offset = length == 126 ? 4 : length == 127 ? 10 : 2;
        try {
            return Json.MAPPER.readTree(frame, offset, frame.length - offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
