package dev.herald.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Every frame the server sends, as named factories. Each returns a complete WebSocket frame the
 * caller owns (docs/protocol.md §2.3 gives the {@code data} wire forms used here: a JSON string for
 * {@code pusher:} and {@code pusher_internal:} events, an object for {@code pusher:error}).
 */
public final class Frames {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** RFC 6455 §5.5: a control frame carries at most 125 bytes; a close frame's code takes 2. */
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private static final int MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

    private Frames() {}

    public static ByteBuf connectionEstablished(String socketId, int activityTimeoutSeconds) {
        String data =
                "{\"socket_id\":\""
                        + socketId
                        + "\",\"activity_timeout\":"
                        + activityTimeoutSeconds
                        + "}";
        return event("pusher:connection_established", null, data);
    }

    public static ByteBuf error(PusherError error, String message) {
        try (FrameWriter w = new FrameWriter(ALLOC, 64 + message.length())) {
            JsonGenerator g = w.json();
            g.writeStartObject();
            g.writeStringField("event", "pusher:error");
            g.writeObjectFieldStart("data");
            g.writeNumberField("code", error.code());
            g.writeStringField("message", message);
            g.writeEndObject();
            g.writeEndObject();
            return w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code pusher:subscription_error} on the channel, which pusher-js re-emits to the app's
     * handlers for that channel (protocol §3.4).
     */
    public static ByteBuf subscriptionError(String channel, String type, String error, int status) {
        try (FrameWriter w = new FrameWriter(ALLOC, 96 + channel.length() + error.length())) {
            JsonGenerator g = w.json();
            g.writeStartObject();
            g.writeStringField("event", "pusher:subscription_error");
            g.writeStringField("channel", channel);
            g.writeObjectFieldStart("data");
            g.writeStringField("type", type);
            g.writeStringField("error", error);
            g.writeNumberField("status", status);
            g.writeEndObject();
            g.writeEndObject();
            return w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ByteBuf pong() {
        return event("pusher:pong", null, "{}");
    }

    public static ByteBuf ping() {
        return event("pusher:ping", null, "{}");
    }

    public static ByteBuf subscriptionSucceeded(String channel) {
        return event("pusher_internal:subscription_succeeded", channel, "{}");
    }

    /**
     * Presence success (protocol §3.5): all three of {@code ids}, {@code hash} and {@code count},
     * as pusher-js reads hash and count and the Java client ids and hash.
     *
     * @param members user id and raw {@code user_info} JSON (or {@code null}) per distinct user
     */
    public static ByteBuf presenceSubscriptionSucceeded(
            String channel, Collection<Member> members) {
        String data =
                jsonText(
                        64 + 48 * members.size(),
                        g -> {
                            g.writeStartObject();
                            g.writeObjectFieldStart("presence");
                            g.writeArrayFieldStart("ids");
                            for (Member m : members) {
                                g.writeString(m.userId());
                            }
                            g.writeEndArray();
                            g.writeObjectFieldStart("hash");
                            for (Member m : members) {
                                g.writeFieldName(m.userId());
                                writeRaw(g, m.userInfo());
                            }
                            g.writeEndObject();
                            g.writeNumberField("count", members.size());
                            g.writeEndObject();
                            g.writeEndObject();
                        });
        return event("pusher_internal:subscription_succeeded", channel, data);
    }

    public static ByteBuf memberAdded(String channel, Member member) {
        return event(
                "pusher_internal:member_added",
                channel,
                jsonText(
                        64,
                        g -> {
                            g.writeStartObject();
                            g.writeStringField("user_id", member.userId());
                            g.writeFieldName("user_info");
                            writeRaw(g, member.userInfo());
                            g.writeEndObject();
                        }));
    }

    public static ByteBuf memberRemoved(String channel, String userId) {
        return event(
                "pusher_internal:member_removed",
                channel,
                jsonText(
                        32,
                        g -> {
                            g.writeStartObject();
                            g.writeStringField("user_id", userId);
                            g.writeEndObject();
                        }));
    }

    /**
     * A channel event whose {@code data} is a string, sent as a JSON string exactly as the HTTP API
     * received it (protocol §2.3).
     */
    public static ByteBuf event(String event, String channel, String data) {
        return event(event, channel, data, null);
    }

    public static ByteBuf event(String event, String channel, String data, String userId) {
        int hint =
                48
                        + event.length()
                        + (channel == null ? 0 : channel.length())
                        + (data == null ? 0 : data.length() + data.length() / 8);
        try (FrameWriter w = new FrameWriter(ALLOC, hint)) {
            JsonGenerator g = w.json();
            g.writeStartObject();
            g.writeStringField("event", event);
            if (channel != null) {
                g.writeStringField("channel", channel);
            }
            if (data != null) {
                g.writeStringField("data", data);
            }
            if (userId != null) {
                g.writeStringField("user_id", userId);
            }
            g.writeEndObject();
            return w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A relayed client event: {@code data} is written verbatim as the sender sent it (an object
     * from pusher-js, a string from the Java client; protocol §2.3), plus {@code user_id} on
     * presence channels (§3.9).
     *
     * @param rawData the sender's {@code data} value as JSON text, or {@code null} for none
     */
    public static ByteBuf clientEvent(String event, String channel, String rawData, String userId) {
        int hint =
                48 + event.length() + channel.length() + (rawData == null ? 0 : rawData.length());
        try (FrameWriter w = new FrameWriter(ALLOC, hint)) {
            JsonGenerator g = w.json();
            g.writeStartObject();
            g.writeStringField("event", event);
            g.writeStringField("channel", channel);
            if (rawData != null) {
                g.writeFieldName("data");
                g.writeRawValue(rawData);
            }
            if (userId != null) {
                g.writeStringField("user_id", userId);
            }
            g.writeEndObject();
            return w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code pusher:signin_success} with the exact {@code user_data} string that was signed
     * (protocol §4.1).
     */
    public static ByteBuf signinSuccess(String userData) {
        return event(
                "pusher:signin_success",
                null,
                jsonText(
                        32 + userData.length(),
                        g -> {
                            g.writeStartObject();
                            g.writeStringField("user_data", userData);
                            g.writeEndObject();
                        }));
    }

    /**
     * {@code pusher_internal:watchlist_events} (protocol §4.4), the only shape pusher-js
     * understands: no channel, and one element per non-empty status.
     */
    public static ByteBuf watchlistEvents(Collection<String> online, Collection<String> offline) {
        return event(
                "pusher_internal:watchlist_events",
                null,
                jsonText(
                        64,
                        g -> {
                            g.writeStartObject();
                            g.writeArrayFieldStart("events");
                            watchlistEvent(g, "online", online);
                            watchlistEvent(g, "offline", offline);
                            g.writeEndArray();
                            g.writeEndObject();
                        }));
    }

    private static void watchlistEvent(JsonGenerator g, String name, Collection<String> userIds)
            throws IOException {
        if (userIds.isEmpty()) {
            return;
        }
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeArrayFieldStart("user_ids");
        for (String id : userIds) {
            g.writeString(id);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** {@code pusher:cache_miss}: a cache channel has no event to replay (protocol §3.7). */
    /**
     * {@code pusher_internal:herald_position}: the next frame on the channel is the recorded event
     * at {@code position} (docs/recovery.md).
     */
    public static ByteBuf position(String channel, StreamPosition position) {
        return event(
                "pusher_internal:herald_position", channel, "{\"position\":\"" + position + "\"}");
    }

    /**
     * {@code pusher_internal:herald_recovered}: the subscription's replay is over
     * (docs/recovery.md).
     *
     * @param position the client's position now, or {@code null} when the channel has no history
     * @param reason why the gap, or {@code null} when there is none
     */
    public static ByteBuf recovered(
            String channel, StreamPosition position, int replayed, String reason) {
        return event(
                "pusher_internal:herald_recovered",
                channel,
                jsonText(
                        64 + (reason == null ? 0 : reason.length()),
                        g -> {
                            g.writeStartObject();
                            if (position == null) {
                                g.writeNullField("position");
                            } else {
                                g.writeStringField("position", position.toString());
                            }
                            g.writeNumberField("replayed", replayed);
                            g.writeBooleanField("gap", reason != null);
                            if (reason != null) {
                                g.writeStringField("reason", reason);
                            }
                            g.writeBooleanField("history", position != null);
                            g.writeEndObject();
                        }));
    }

    public static ByteBuf cacheMiss(String channel) {
        return event("pusher:cache_miss", channel, null);
    }

    /** {@code pusher_internal:subscription_count} (protocol §3.8). */
    public static ByteBuf subscriptionCount(String channel, int count) {
        return event(
                "pusher_internal:subscription_count",
                channel,
                "{\"subscription_count\":" + count + "}");
    }

    /**
     * A WebSocket close frame (RFC 6455 §5.5.1) with a code and a reason of at most 123 bytes, cut
     * before a whole character: the reason must stay valid UTF-8, or a strict client fails the
     * connection with 1007 instead of reporting our code.
     */
    public static ByteBuf close(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int reasonLength = Math.min(text.length, MAX_CLOSE_REASON_BYTES);
        while (reasonLength < text.length
                && reasonLength > 0
                && (text[reasonLength] & 0xC0) == 0x80) {
            reasonLength--; // text[reasonLength] continues a character that would be cut
        }
        ByteBuf buf = ALLOC.buffer(4 + reasonLength);
        buf.writeByte(0x88);
        buf.writeByte(2 + reasonLength);
        buf.writeShort(code);
        buf.writeBytes(text, 0, reasonLength);
        return buf;
    }

    /**
     * A WebSocket pong frame echoing a ping's application data (RFC 6455 §5.5.3), which the frame
     * decoder has already bounded to 125 bytes.
     */
    public static ByteBuf wsPong(ByteBuf pingData) {
        int length = pingData.readableBytes();
        if (length > MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException("control frame payload over 125 bytes: " + length);
        }
        ByteBuf buf = ALLOC.buffer(2 + length);
        buf.writeByte(0x8A).writeByte(length);
        buf.writeBytes(pingData, pingData.readerIndex(), length);
        return buf;
    }

    /** An empty WebSocket ping frame: the liveness probe every client answers (protocol §2.4). */
    public static ByteBuf wsPing() {
        return ALLOC.buffer(2).writeByte(0x89).writeByte(0);
    }

    /** Writes one JSON value with a generator. */
    @FunctionalInterface
    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    /** JSON text for a {@code data} field that is sent as a JSON-encoded string (protocol §2.3). */
    private static String jsonText(int sizeHint, JsonBody body) {
        StringWriter out = new StringWriter(sizeHint);
        try (JsonGenerator g = FrameWriter.JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeRaw(JsonGenerator g, String rawJson) throws IOException {
        if (rawJson == null) {
            g.writeNull();
        } else {
            g.writeRawValue(rawJson);
        }
    }
}
