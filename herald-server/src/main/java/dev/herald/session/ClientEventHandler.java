package dev.herald.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.hub.Connection;
import dev.herald.hub.Subscription;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code client-*} events (docs/protocol.md §3.9): allowed only when the app enables them, on
 * private and presence channels (not encrypted ones), from subscribers, within the size limit and
 * the per-connection rate. Relayed to every other subscriber with the sender's {@code data} as
 * sent, plus {@code user_id} on presence channels; never echoed to the sender.
 */
public final class ClientEventHandler {

    private final SessionContext context;

    public ClientEventHandler(SessionContext context) {
        this.context = context;
    }

    void handle(Connection c, ClientMessage message) {
        String event = message.event();
        String channel = message.channel();
        if (!c.app().clientEvents()) {
            c.sendError(
                    PusherError.CLIENT_EVENT_REFUSED, "Client events are not enabled for this app");
            return;
        }
        if (channel == null) {
            c.sendError(
                    PusherError.CLIENT_EVENT_REFUSED, "Client event " + event + " has no channel");
            return;
        }
        ChannelKind kind = ChannelKind.of(channel);
        if (!kind.allowsClientEvents()) {
            String why =
                    kind == ChannelKind.PRIVATE_ENCRYPTED
                                    || kind == ChannelKind.PRIVATE_ENCRYPTED_CACHE
                            ? "Client events are not allowed on encrypted channels"
                            : "Client events are only allowed on private and presence channels, not on "
                                    + ClientInput.quote(channel);
            c.sendError(PusherError.CLIENT_EVENT_REFUSED, why);
            return;
        }
        Subscription subscription = c.subscription(channel);
        if (subscription == null) {
            c.sendError(
                    PusherError.CLIENT_EVENT_REFUSED,
                    "Not subscribed to "
                            + ClientInput.quote(channel)
                            + ": subscribe before sending");
            return;
        }
        String rawData = raw(message.data());
        int size = dataBytes(message.data(), rawData);
        int max = c.app().limits().maxEventBytes();
        if (size > max) {
            c.sendError(
                    PusherError.EVENT_TOO_LARGE,
                    "Client event data is " + size + " bytes; the limit is " + max);
            return;
        }
        if (!c.clientEventBucket().tryAcquire(System.nanoTime())) {
            c.meters().clientEventsRateLimited().increment();
            c.sendError(
                    PusherError.CLIENT_EVENT_RATE_LIMIT, "Client event rejected due to rate limit");
            return;
        }
        String userId = subscription.member() == null ? null : subscription.member().userId();
        Publisher.publish(
                context.broker(),
                c.app().id(),
                channel,
                Frames.clientEvent(event, channel, rawData, userId),
                c.socketId());
        c.meters().clientEvents().increment();
        String data =
                message.data() == null
                        ? null
                        : message.data().isTextual() ? message.data().asText() : rawData;
        context.observer().clientEvent(c.app(), channel, event, data, c.socketId(), userId);
        if (context.tap().watching(c.app().id())) {
            context.report(
                    c,
                    ActivityEvent.Kind.CLIENT_EVENT,
                    channel,
                    event,
                    data,
                    userId == null ? Map.of() : Map.of("user_id", userId));
        }
    }

    private static String raw(JsonNode data) {
        return data == null ? null : data.toString();
    }

    /** Size as Pusher counts it: the bytes of the data content (a string's text, else its JSON). */
    private static int dataBytes(JsonNode data, String raw) {
        if (data == null) {
            return 0;
        }
        String text = data.isTextual() ? data.asText() : raw;
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
