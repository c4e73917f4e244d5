package dev.herald.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityTap;
import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.broker.Broker;
import dev.herald.cache.ChannelCache;
import dev.herald.cluster.ClusterView;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.session.SocketIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /apps/{id}/events} and {@code /batch_events} (docs/protocol.md §5.3–5.4). Every event
 * of a request is validated before any is published, so a refused request publishes nothing. Each
 * (event, channel) pair is encoded once and handed to the broker.
 */
public final class EventsApi {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventsApi.class);

    static final int MAX_CHANNELS_PER_EVENT = 100;
    static final int MAX_BATCH_EVENTS = 10;

    private final ClusterView view;
    private final Broker broker;
    private final ChannelCache cache;
    private final ActivityTap tap;
    private final String node;

    /**
     * @param tap where the debug stream hears of each published message
     * @param node this node's name, for the debug stream
     */
    public EventsApi(
            ClusterView view, Broker broker, ChannelCache cache, ActivityTap tap, String node) {
        this.view = view;
        this.broker = broker;
        this.cache = cache;
        this.tap = tap;
        this.node = node;
    }

    /** One validated event, ready to publish. */
    private record Event(
            String name, String data, List<String> channels, String socketId, List<String> info) {}

    /** Publishes, then answers with the response body (counts asked for with {@code info}). */
    public CompletionStage<Object> trigger(App app, JsonNode body) throws ApiException {
        Event event = parse(app, body, false);
        publish(app, event);
        if (event.info().isEmpty()) {
            return CompletableFuture.completedFuture(Json.MAPPER.createObjectNode());
        }
        List<CompletableFuture<ObjectNode>> infos = new ArrayList<>();
        for (String channel : event.channels()) {
            infos.add(info(app, channel, event.info()));
        }
        return CompletableFuture.allOf(infos.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        done -> {
                            ObjectNode response = Json.MAPPER.createObjectNode();
                            ObjectNode channels = response.putObject("channels");
                            for (int i = 0; i < infos.size(); i++) {
                                channels.set(event.channels().get(i), infos.get(i).join());
                            }
                            return response;
                        });
    }

    CompletionStage<Object> batch(App app, JsonNode body) throws ApiException {
        JsonNode batch = body.get("batch");
        if (batch == null || !batch.isArray()) {
            throw ApiException.badRequest(
                    "Body must be {\"batch\":[...]} with up to " + MAX_BATCH_EVENTS + " events");
        }
        if (batch.size() > MAX_BATCH_EVENTS) {
            throw ApiException.badRequest(
                    "Cannot batch-send more than "
                            + MAX_BATCH_EVENTS
                            + " events at once, got "
                            + batch.size());
        }
        List<Event> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                events.add(parse(app, batch.get(i), true));
            } catch (ApiException e) {
                throw new ApiException(e.status(), "batch[" + i + "]: " + e.getMessage());
            }
        }
        boolean anyInfo = false;
        for (Event event : events) {
            publish(app, event);
            anyInfo |= !event.info().isEmpty();
        }
        if (!anyInfo) {
            return CompletableFuture.completedFuture(Json.MAPPER.createObjectNode());
        }
        List<CompletableFuture<ObjectNode>> infos = new ArrayList<>();
        for (Event event : events) {
            infos.add(
                    event.info().isEmpty()
                            ? CompletableFuture.completedFuture(Json.MAPPER.createObjectNode())
                            : info(app, event.channels().get(0), event.info()));
        }
        return CompletableFuture.allOf(infos.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        done -> {
                            ObjectNode response = Json.MAPPER.createObjectNode();
                            var results = response.putArray("batch");
                            for (CompletableFuture<ObjectNode> info : infos) {
                                results.add(info.join());
                            }
                            return response;
                        });
    }

    private void publish(App app, Event event) {
        for (String channel : event.channels()) {
            if (tap.watching(app.id())) {
                tap.record(
                        node,
                        app.id(),
                        ActivityEvent.Kind.API_MESSAGE,
                        null,
                        channel,
                        event.name(),
                        event.data(),
                        event.socketId() == null
                                ? Map.of()
                                : Map.of("excluded_socket", event.socketId()));
            }
            if (ChannelKind.of(channel).isCached()) {
                cache.put(app.id(), channel, event.name(), event.data(), app.limits().cacheTtl());
            }
            HistoryRule rule = app.historyRule(channel);
            if (rule == null && !broker.hasAudience(app.id(), channel)) {
                continue; // nobody to tell and nothing to keep: skip the encoding
            }
            EncodedEvent encoded =
                    new EncodedEvent(Frames.event(event.name(), channel, event.data()));
            try {
                if (rule == null) {
                    broker.publish(app.id(), channel, encoded, event.socketId());
                } else {
                    broker.publishRecorded(app.id(), channel, encoded, event.socketId(), rule)
                            .whenComplete(EventsApi::unrecorded);
                }
            } finally {
                encoded.release();
            }
        }
    }

    private static void unrecorded(Object position, Throwable error) {
        if (error != null) {
            // delivered live all the same; Redis being away is logged and measured where it fails
            log.debug(
                    "an event could not be recorded in its channel's history: {}",
                    error.toString());
        }
    }

    private CompletableFuture<ObjectNode> info(App app, String channel, List<String> attributes) {
        boolean users =
                attributes.contains(InfoAttributes.USER_COUNT)
                        && ChannelKind.of(channel).isPresence();
        boolean subscriptions = attributes.contains(InfoAttributes.SUBSCRIPTION_COUNT);
        CompletableFuture<Integer> userCount =
                users
                        ? view.userCount(app.id(), channel).toCompletableFuture()
                        : CompletableFuture.completedFuture(0);
        CompletableFuture<Integer> subscriptionCount =
                subscriptions
                        ? view.subscriptionCount(app.id(), channel).toCompletableFuture()
                        : CompletableFuture.completedFuture(0);
        return userCount.thenCombine(
                subscriptionCount,
                (u, c) -> {
                    ObjectNode node = Json.MAPPER.createObjectNode();
                    if (users) {
                        node.put("user_count", u);
                    }
                    if (subscriptions) {
                        node.put("subscription_count", c);
                    }
                    return node;
                });
    }

    private Event parse(App app, JsonNode body, boolean single) throws ApiException {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("An event must be a JSON object");
        }
        String name = text(body, "name");
        if (name == null || name.isEmpty()) {
            throw ApiException.badRequest("Missing event name: \"name\" is required");
        }
        if (name.length() > ClientInput.MAX_EVENT_NAME_LENGTH) {
            throw ApiException.badRequest(
                    "Event name is longer than "
                            + ClientInput.MAX_EVENT_NAME_LENGTH
                            + " characters");
        }
        if (name.startsWith("pusher:") || name.startsWith("pusher_internal:")) {
            throw ApiException.badRequest(
                    "Event names starting with pusher: or pusher_internal: are reserved");
        }
        JsonNode dataNode = body.get("data");
        if (dataNode == null || dataNode.isNull()) {
            throw ApiException.badRequest(
                    "Missing \"data\": it is required (a string, usually JSON text)");
        }
        // libraries send a string; an object is accepted and re-encoded (protocol §5.3, lenient)
        String data = dataNode.isTextual() ? dataNode.asText() : dataNode.toString();
        int size = data.getBytes(StandardCharsets.UTF_8).length;
        if (size > app.limits().maxEventBytes()) {
            throw new ApiException(
                    413,
                    "Event data is "
                            + size
                            + " bytes; the limit is "
                            + app.limits().maxEventBytes());
        }
        List<String> channels = channels(app, body, single);
        String socketId = text(body, "socket_id");
        if (body.has("socket_id") && !SocketIds.isValid(socketId)) {
            throw ApiException.badRequest("Invalid socket_id: it must look like 123.456");
        }
        return new Event(
                name, data, channels, socketId, InfoAttributes.parse(text(body, "info"), false));
    }

    private static List<String> channels(App app, JsonNode body, boolean single)
            throws ApiException {
        List<String> channels = new ArrayList<>();
        JsonNode many = body.get("channels");
        JsonNode one = body.get("channel");
        if (many != null && !single) {
            if (!many.isArray()) {
                throw ApiException.badRequest("\"channels\" must be an array of channel names");
            }
            for (JsonNode c : many) {
                if (!c.isTextual()) {
                    throw ApiException.badRequest("\"channels\" must hold strings");
                }
                channels.add(c.asText());
            }
        } else if (one != null && one.isTextual()) {
            channels.add(one.asText());
        }
        if (channels.isEmpty()) {
            throw ApiException.badRequest(
                    single ? "Missing \"channel\"" : "Missing \"channels\" (or \"channel\")");
        }
        if (channels.size() > MAX_CHANNELS_PER_EVENT) {
            throw ApiException.badRequest(
                    "An event can go to at most "
                            + MAX_CHANNELS_PER_EVENT
                            + " channels, got "
                            + channels.size());
        }
        for (String channel : channels) {
            String problem = ChannelNames.problem(channel, app.limits().maxChannelNameLength());
            if (problem != null) {
                throw ApiException.badRequest(problem + ": " + channel);
            }
        }
        return channels;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
