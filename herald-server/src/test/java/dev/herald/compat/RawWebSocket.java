package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import java.net.URI;
import java.net.http.HttpClient;
import dev.herald.testing.JsonFrameListener;
import dev.herald.testing.JsonFrameListener.Close;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A protocol-level Pusher connection over the JDK's {@link WebSocket}, for what the official
 * clients cannot send: malformed JSON, other protocol versions, forbidden events. Every text
 * frame received is kept, in order, as JSON. (The JDK answers WS ping frames by itself.)
 */
final class RawWebSocket implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final java.util.concurrent.atomic.AtomicInteger FENCES = new java.util.concurrent.atomic.AtomicInteger();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final JsonFrameListener listener = new JsonFrameListener(frames::add);
    private final CompletableFuture<Close> closed = listener.closed();
    private final WebSocket socket;
    private String socketId;

    private RawWebSocket(URI uri, java.util.Map<String, String> headers) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder();
        headers.forEach(builder::header);
        socket = listener.open(builder, uri, WAIT);
    }

    /** Opens the connection; does not read anything. */
    static RawWebSocket open(URI uri) {
        return new RawWebSocket(uri, java.util.Map.of());
    }

    /** Opens the connection with extra handshake headers (such as {@code Origin}); does not read anything. */
    static RawWebSocket open(URI uri, java.util.Map<String, String> headers) {
        return new RawWebSocket(uri, headers);
    }

    /** Opens the connection and consumes {@code pusher:connection_established}. */
    static RawWebSocket connect(HeraldProcess herald) {
        RawWebSocket ws = open(herald.ws());
        ws.awaitConnectionEstablished();
        return ws;
    }

    /** Reads the first frame, asserts it is {@code pusher:connection_established}, and returns its decoded data. */
    JsonNode awaitConnectionEstablished() {
        JsonNode first = next();
        assertThat(first.path("event").asText()).as("first frame %s", first).isEqualTo("pusher:connection_established");
        assertThat(first.get("data").isTextual()).as("data of %s is a JSON string (spec 2.2)", first).isTrue();
        JsonNode data = Json.data(first);
        socketId = data.path("socket_id").asText(null);
        return data;
    }

    String socketId() {
        return socketId;
    }

    void send(String text) {
        join(socket.sendText(text, true));
    }

    void sendJson(Object frame) {
        send(Json.write(frame));
    }

    void sendBinary(byte[] bytes) {
        join(socket.sendBinary(ByteBuffer.wrap(bytes), true));
    }

    void subscribe(String channel) {
        send(Json.write(frame("pusher:subscribe", null, Json.MAPPER.createObjectNode().put("channel", channel))));
    }

    void subscribe(String channel, String auth, String channelData) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("channel", channel).put("auth", auth);
        if (channelData != null) {
            data.put("channel_data", channelData);
        }
        send(Json.write(frame("pusher:subscribe", null, data)));
    }

    /** Subscribes to a private channel with the signature pusher-http-java computes, and awaits success. */
    JsonNode subscribeSigned(Pusher sdk, String channel) {
        JsonNode auth = Json.parse(sdk.authenticate(socketId, channel));
        subscribe(channel, auth.path("auth").asText(), null);
        return Json.data(awaitEvent("pusher_internal:subscription_succeeded", channel));
    }

    /** Sends a presence subscription signed by pusher-http-java, without waiting for the answer. */
    void subscribePresence(Pusher sdk, String channel, PresenceUser user) {
        JsonNode auth = Json.parse(sdk.authenticate(socketId, channel, user));
        subscribe(channel, auth.path("auth").asText(), auth.path("channel_data").asText());
    }

    /**
     * Sends {@code pusher:signin} for {@code userData} (the exact string that is signed), signed
     * with {@code secret} as an app's user-auth endpoint would (spec 4.1), without waiting.
     */
    void signin(String key, String secret, String userData) {
        ObjectNode data = Json.MAPPER.createObjectNode()
                .put("auth", Sdk.userAuth(key, secret, socketId, userData))
                .put("user_data", userData);
        send(Json.write(frame("pusher:signin", null, data)));
    }

    /** Signs in with the server's own credentials and awaits {@code pusher:signin_success}; returns its decoded data. */
    JsonNode signinAndAwait(HeraldProcess herald, String userData) {
        signin(herald.appKey(), herald.appSecret(), userData);
        return Json.data(awaitEvent("pusher:signin_success"));
    }

    /**
     * Publishes a marker event on {@code channel} (which this socket must be subscribed to) over
     * HTTP, and returns every frame this socket received before it. Events reach one connection in
     * the order the server handled them, so what the server sent before the marker is in the list.
     */
    List<JsonNode> fence(Pusher sdk, String channel) {
        String marker = "fence-" + FENCES.incrementAndGet();
        Sdk.ok(sdk.trigger(channel, marker, java.util.Map.of()));
        return framesBefore(marker);
    }

    void unsubscribe(String channel) {
        send(Json.write(frame("pusher:unsubscribe", null, Json.MAPPER.createObjectNode().put("channel", channel))));
    }

    /** Sends a client event whose data is a JSON object, as pusher-js does. */
    void trigger(String channel, String event, JsonNode data) {
        send(Json.write(frame(event, channel, data)));
    }

    static ObjectNode frame(String event, String channel, JsonNode data) {
        ObjectNode frame = Json.MAPPER.createObjectNode().put("event", event);
        if (channel != null) {
            frame.put("channel", channel);
        }
        if (data != null) {
            frame.set("data", data);
        }
        return frame;
    }

    /** The next text frame, whatever it is. */
    JsonNode next() {
        try {
            JsonNode frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + WAIT + (closed.isDone() ? "; closed " + closed.join() : ""));
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Skips frames until one matches; fails, listing what was skipped, if none comes within the wait. */
    JsonNode await(String description, Predicate<JsonNode> predicate) {
        List<JsonNode> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError("no " + description + " within " + WAIT + "; frames seen instead: " + skipped
                            + (closed.isDone() ? "; connection closed " + closed.join() : ""));
                }
                if (predicate.test(frame)) {
                    return frame;
                }
                skipped.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    JsonNode awaitEvent(String event) {
        return await("'" + event + "'", f -> event.equals(f.path("event").asText()));
    }

    JsonNode awaitEvent(String event, String channel) {
        return await("'" + event + "' on " + channel,
                f -> event.equals(f.path("event").asText()) && channel.equals(f.path("channel").asText()));
    }

    /** Awaits the next {@code pusher:error} and returns its decoded data ({@code code}, {@code message}). */
    JsonNode awaitError() {
        JsonNode error = awaitEvent("pusher:error");
        JsonNode data = Json.data(error);
        assertThat(data.isObject()).as("pusher:error data %s", error).isTrue();
        return data;
    }

    /**
     * Awaits a {@code pusher:error} with that code and a message saying why, then proves the
     * connection is still open and answering.
     */
    JsonNode awaitErrorAndStayOpen(int code) {
        JsonNode error = awaitError();
        assertThat(error.path("code").asInt()).as("error %s", error).isEqualTo(code);
        assertThat(error.path("message").asText()).as("a message says why: %s", error).isNotBlank();
        roundTrip();
        assertThat(isClosed()).as("connection stays open").isFalse();
        return error;
    }

    /** Subscribes and awaits {@code pusher_internal:subscription_succeeded}; returns its decoded data. */
    JsonNode subscribeAndAwait(String channel) {
        subscribe(channel);
        return Json.data(awaitEvent("pusher_internal:subscription_succeeded", channel));
    }

    /**
     * Proves the connection still works and that every earlier frame has been read: sends
     * {@code pusher:ping} and consumes everything up to the {@code pusher:pong}, returning the frames before it.
     */
    List<JsonNode> roundTrip() {
        send("{\"event\":\"pusher:ping\",\"data\":{}}");
        return framesBefore("pusher:pong");
    }

    /** Consumes frames up to the first one with that event name and returns those before it. */
    List<JsonNode> framesBefore(String event) {
        List<JsonNode> before = new ArrayList<>();
        await("'" + event + "'", f -> {
            boolean match = event.equals(f.path("event").asText());
            if (!match) {
                before.add(f);
            }
            return match;
        });
        return before;
    }

    /** The event names of {@link #framesBefore(String)}. */
    List<String> eventsBefore(String event) {
        List<String> names = new ArrayList<>();
        framesBefore(event).forEach(f -> names.add(f.path("event").asText()));
        return names;
    }

    /** Frames received and not yet consumed. */
    List<JsonNode> drain() {
        List<JsonNode> rest = new ArrayList<>();
        frames.drainTo(rest);
        return rest;
    }

    Close awaitClose() {
        return listener.awaitClose(WAIT, () -> "; frames " + drain());
    }

    boolean isClosed() {
        return closed.isDone() || socket.isInputClosed();
    }

    /** Closes politely (close frame, then the server's close frame), then drops the TCP connection. */
    @Override
    public void close() {
        listener.closePolitely(socket);
    }

    private static void join(CompletableFuture<WebSocket> send) {
        try {
            send.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("send failed", e);
        }
    }
}
