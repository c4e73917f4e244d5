package dev.herald.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.HistoryRule;
import dev.herald.history.HistoryPage;
import dev.herald.history.RecordedEvent;
import dev.herald.hub.Connection;
import dev.herald.hub.Cursor;
import dev.herald.hub.Subscription;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import dev.herald.protocol.RecoveryRequest;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Positions and replay for the subscriptions that ask for them (docs/recovery.md): reads the
 * recovery request, then, once the subscription is answered, replays what the client missed and
 * lets live events through. Shared by all connections; every call runs on the connection's event
 * loop (a history read's completion hops back to it).
 *
 * <p>Why nothing is lost or doubled: the subscription holds back live recorded events from the
 * moment it joins (its {@link Cursor} is made recovering in the same step on the loop), and the
 * history is read only after the channel is routed here, so every event is either in a read or
 * reaches the cursor afterwards. After each read the cursor is asked whether it held back an event
 * the read did not cover; if so, the history is read again from where the replay got to. Once
 * nothing is left over the cursor goes live, and from then on skips any event at or before the
 * replay's last position.
 */
public final class RecoveryHandler {

    /** Events read from the history at a time. */
    static final int PAGE = 100;

    /** Reads of one recovery that found events held back since, before it is called a gap. */
    static final int MAX_CATCH_UP_READS = 50;

    /**
     * How long a replay waits for a socket that takes nothing, in waits of {@value #WAIT_MILLIS}
     * ms.
     */
    static final int MAX_WAITS = 3_000;

    static final int WAIT_MILLIS = 10;

    private final SessionContext context;

    public RecoveryHandler(SessionContext context) {
        this.context = context;
    }

    /** A request that is not what docs/recovery.md describes. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code pusher:herald_recovery}: positions for this connection's later subscriptions. */
    void remember(Connection c, ClientMessage message) throws ClientMessage.Malformed {
        JsonNode data = message.dataObject();
        try {
            JsonNode channels = data.get("channels");
            Map<String, StreamPosition> positions = new HashMap<>();
            if (channels != null && !channels.isNull()) {
                if (!channels.isObject()) {
                    throw new Refused("channels must be an object of channel names to positions");
                }
                if (channels.size() > RecoveryRequest.MAX_CHANNELS) {
                    throw new Refused(
                            "at most "
                                    + RecoveryRequest.MAX_CHANNELS
                                    + " channels, got "
                                    + channels.size());
                }
                Iterator<Map.Entry<String, JsonNode>> it = channels.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    if (entry.getKey().length() > c.app().limits().maxChannelNameLength()) {
                        throw new Refused(
                                "channel name longer than "
                                        + c.app().limits().maxChannelNameLength()
                                        + " characters: "
                                        + ClientInput.quote(entry.getKey()));
                    }
                    positions.put(entry.getKey(), position(entry.getValue()));
                }
            }
            c.recoveryRequest(new RecoveryRequest(positions, socketIds(data.get("socket_ids"))));
        } catch (Refused e) {
            c.sendError(
                    PusherError.INVALID_MESSAGE,
                    "Invalid pusher:herald_recovery: " + e.getMessage());
        }
    }

    /**
     * What a subscription asks to recover: its own {@code herald_recovery} field, else what the
     * connection asked for earlier, else {@code null} (no positions).
     */
    RecoveryRequest request(Connection c, String channel, JsonNode subscribeData) throws Refused {
        JsonNode field = subscribeData.get("herald_recovery");
        if (field == null || field.isNull()) {
            RecoveryRequest earlier = c.recoveryRequest();
            if (earlier == null || ChannelKind.of(channel).isEncrypted()) {
                // pusher-java-client, the client that asks this way, decrypts every frame of an
                // encrypted channel, pusher_internal: ones too: any frame of ours would throw there
                return null;
            }
            c.recoveryRequest(earlier.without(channel)); // each position is used once
            return earlier;
        }
        if (!field.isObject()) {
            throw new Refused("herald_recovery must be an object");
        }
        JsonNode position = field.get("position");
        Map<String, StreamPosition> positions =
                position == null || position.isNull()
                        ? Map.of()
                        : Map.of(channel, position(position));
        return new RecoveryRequest(positions, socketIds(field.get("socket_ids")));
    }

    private static StreamPosition position(JsonNode node) throws Refused {
        StreamPosition position = node.isTextual() ? StreamPosition.parse(node.asText()) : null;
        if (position == null) {
            throw new Refused(
                    "a position is a string EPOCH:SERIAL (at most "
                            + StreamPosition.MAX_TEXT_LENGTH
                            + " characters), got "
                            + ClientInput.quote(node.toString()));
        }
        return position;
    }

    private static List<String> socketIds(JsonNode node) throws Refused {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new Refused("socket_ids must be an array");
        }
        if (node.size() > RecoveryRequest.MAX_SOCKET_IDS) {
            throw new Refused(
                    "at most "
                            + RecoveryRequest.MAX_SOCKET_IDS
                            + " socket_ids, got "
                            + node.size());
        }
        List<String> ids = new ArrayList<>(node.size());
        for (JsonNode id : node) {
            if (!id.isTextual() || !SocketIds.isValid(id.asText())) {
                throw new Refused("not a socket id: " + ClientInput.quote(id.toString()));
            }
            ids.add(id.asText());
        }
        return ids;
    }

    /**
     * Called once the subscription is answered: replays what the request asks for, then sends
     * {@code herald_recovered}. Without a rule for the channel only that answer is sent.
     */
    void start(Connection c, Subscription subscription, RecoveryRequest request, HistoryRule rule) {
        String channel = subscription.channel().name();
        StreamPosition asked = request.position(channel);
        if (rule == null || subscription.cursor() == null) {
            c.send(
                    Frames.recovered(
                            channel,
                            null,
                            0,
                            asked == null ? null : "the channel keeps no history"));
            return;
        }
        Set<String> excluded = new HashSet<>(request.socketIds());
        excluded.add(c.socketId());
        new Replay(c, subscription, rule, asked, excluded).read();
    }

    /** One subscription's replay; its state is touched on the connection's loop only. */
    private final class Replay {
        private final Connection c;
        private final Subscription subscription;
        private final String channel;
        private final HistoryRule rule;
        private final Set<String> excluded;

        /** Where the client is: the last event it has (or skipped), {@code null} until known. */
        private StreamPosition at;

        private String gap;
        private int replayed;
        private int catchUpReads;
        private int waits;

        Replay(
                Connection c,
                Subscription subscription,
                HistoryRule rule,
                StreamPosition asked,
                Set<String> excluded) {
            this.c = c;
            this.subscription = subscription;
            this.channel = subscription.channel().name();
            this.rule = rule;
            this.excluded = excluded;
            this.at = asked;
        }

        private boolean abandoned() {
            return c.isClosing() || c.subscription(channel) != subscription;
        }

        void read() {
            if (abandoned()) {
                return;
            }
            // a fresh subscription only needs the channel's newest position
            int limit = at == null ? 1 : PAGE;
            context.history()
                    .read(c.app().id(), channel, at, limit, rule)
                    .whenComplete((page, error) -> c.execute(() -> onPage(page, error)));
        }

        private void onPage(HistoryPage page, Throwable error) {
            if (abandoned()) {
                return;
            }
            Cursor cursor = subscription.cursor();
            if (error != null) {
                // what was held back is lost to this client: the gap makes it refetch
                gap = "the history could not be read";
                finish(cursor, at);
                return;
            }
            boolean more = false;
            if (at == null) {
                at = page.head();
            } else if (page.gap() != null) {
                gap = gap == null ? page.gap().reason() : gap;
                at = page.head();
            } else {
                for (RecordedEvent e : page.events()) {
                    at = e.position();
                    if (e.excludeSocketId() != null && excluded.contains(e.excludeSocketId())) {
                        continue; // the sender's own toOthers event
                    }
                    c.sendWithoutFlush(Frames.position(channel, e.position()));
                    c.sendWithoutFlush(Unpooled.wrappedBuffer(e.frame()));
                    replayed++;
                }
                c.flush();
                more = page.more();
            }
            if (more) {
                next();
            } else if (cursor.heldBackAfter(at) != null) {
                if (++catchUpReads > MAX_CATCH_UP_READS) {
                    gap = "the channel is too busy to catch up with";
                    finish(cursor, cursor.heldBackAfter(at));
                } else {
                    next();
                }
            } else {
                finish(cursor, at);
            }
        }

        /** The next read, once the socket has room: the replay never outruns the client. */
        private void next() {
            if (c.isWritable()) {
                waits = 0;
                c.schedule(this::read, 0, TimeUnit.NANOSECONDS);
            } else if (++waits > MAX_WAITS) {
                c.close(
                        PusherError.OVER_CAPACITY,
                        "Slow consumer: the replay was not read, reconnect");
            } else {
                c.schedule(this::next, WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void finish(Cursor cursor, StreamPosition position) {
            cursor.goLive(position);
            c.send(Frames.recovered(channel, position, replayed, gap));
        }
    }
}
