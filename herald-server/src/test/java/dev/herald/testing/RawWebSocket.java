package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.RawFrameSocket.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A protocol-level Pusher connection (docs/protocol.md) on {@link RawFrameSocket}, for what the
 * official clients cannot send or do not show: malformed JSON, other protocol versions, forbidden
 * events, the exact close code. A reader thread keeps every text message received, in order, as
 * JSON, answers WS ping frames with pongs (as any WebSocket client does) and answers the server's
 * close frame.
 */
public final class RawWebSocket implements AutoCloseable {

    /** The close frame the server sent. */
    public record Close(int code, String reason) {}

    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger FENCES = new AtomicInteger();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final Duration wait;
    private final RawFrameSocket socket;
    private volatile boolean inputClosed;
    private volatile boolean closeSent;
    private String socketId;

    private RawWebSocket(URI uri, Map<String, String> headers, Duration wait) {
        this.wait = wait;
        try {
            socket = RawFrameSocket.connect(uri, (int) wait.toMillis(), 0, headers);
            socket.readTimeout(0); // the reader waits for as long as the connection lives
        } catch (IOException | UncheckedIOException e) {
            throw new AssertionError("WebSocket upgrade to " + uri + " failed", e);
        }
        Thread reader = new Thread(this::read, "raw-ws " + uri.getPath());
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the connection; does not read anything. */
    public static RawWebSocket open(URI uri) {
        return open(uri, Map.of());
    }

    /**
     * Opens the connection with extra handshake headers (such as {@code Origin}); does not read
     * anything.
     */
    public static RawWebSocket open(URI uri, Map<String, String> headers) {
        return open(uri, headers, WAIT);
    }

    /** Opens the connection; every wait of this connection lasts at most {@code wait}. */
    public static RawWebSocket open(URI uri, Map<String, String> headers, Duration wait) {
        return new RawWebSocket(uri, headers, wait);
    }

    /** Opens the connection and consumes {@code pusher:connection_established}. */
    public static RawWebSocket connect(HeraldProcess herald) {
        RawWebSocket ws = open(herald.ws());
        ws.awaitConnectionEstablished();
        return ws;
    }

    /**
     * Reads messages until the connection ends: joins fragments, answers pings and the close frame.
     */
    private void read() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        boolean inText = false;
        try {
            while (true) {
                Frame frame = socket.readFrame();
                switch (frame.opcode()) {
                    case RawFrameSocket.TEXT,
                            RawFrameSocket.BINARY,
                            RawFrameSocket.CONTINUATION -> {
                        if (frame.opcode() != RawFrameSocket.CONTINUATION) {
                            inText = frame.opcode() == RawFrameSocket.TEXT;
                            message.reset();
                        }
                        message.write(frame.payload());
                        if (frame.fin() && inText) {
                            frames.add(parse(message.toString(StandardCharsets.UTF_8)));
                        }
                    }
                    case RawFrameSocket.PING -> socket.send(RawFrameSocket.PONG, frame.payload());
                    case RawFrameSocket.CLOSE -> {
                        byte[] payload = frame.payload();
                        String reason =
                                payload.length > 2
                                        ? new String(
                                                payload,
                                                2,
                                                payload.length - 2,
                                                StandardCharsets.UTF_8)
                                        : "";
                        closed.complete(
                                new Close(
                                        frame.closeCode() < 0 ? 1005 : frame.closeCode(), reason));
                        sendClose(
                                frame.closeCode() < 0
                                        ? new byte[0]
                                        : new byte[] {payload[0], payload[1]});
                        return;
                    }
                    default -> {
                        // a pong: nothing to do
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            closed.completeExceptionally(e);
        } finally {
            inputClosed = true;
            socket.close();
        }
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the server sent a frame that is not JSON: " + text, e);
        }
    }

    private void sendClose(byte[] payload) {
        if (closeSent) {
            return;
        }
        closeSent = true;
        try {
            socket.send(RawFrameSocket.CLOSE, payload);
        } catch (IOException e) {
            // the connection is gone already
        }
    }

    /**
     * Reads the first frame, asserts it is {@code pusher:connection_established}, and returns its
     * decoded data.
     */
    public JsonNode awaitConnectionEstablished() {
        JsonNode first = next();
        assertThat(first.path("event").asText())
                .as("first frame %s", first)
                .isEqualTo("pusher:connection_established");
        assertThat(first.get("data").isTextual())
                .as("data of %s is a JSON string (protocol §2.2)", first)
                .isTrue();
        JsonNode data = Json.data(first);
        socketId = data.path("socket_id").asText(null);
        return data;
    }

    public String socketId() {
        return socketId;
    }

    public void send(String text) {
        send(RawFrameSocket.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    private void send(int opcode, byte[] payload) {
        if (closeSent) {
            throw new AssertionError("send failed: the connection is closing");
        }
        try {
            socket.send(opcode, payload);
        } catch (IOException e) {
            throw new AssertionError("send failed", e);
        }
    }

    public void sendJson(Object frame) {
        send(Json.write(frame));
    }

    public void sendBinary(byte[] bytes) {
        send(RawFrameSocket.BINARY, bytes);
    }

    public void subscribe(String channel) {
        send(
                Json.write(
                        frame(
                                "pusher:subscribe",
                                null,
                                Json.MAPPER.createObjectNode().put("channel", channel))));
    }

    public void subscribe(String channel, String auth, String channelData) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("channel", channel).put("auth", auth);
        if (channelData != null) {
            data.put("channel_data", channelData);
        }
        send(Json.write(frame("pusher:subscribe", null, data)));
    }

    /**
     * Subscribes to a private channel with the signature pusher-http-java computes, and awaits
     * success.
     */
    public JsonNode subscribeSigned(Pusher sdk, String channel) {
        JsonNode auth = Json.parse(sdk.authenticate(socketId, channel));
        subscribe(channel, auth.path("auth").asText(), null);
        return Json.data(awaitEvent("pusher_internal:subscription_succeeded", channel));
    }

    /** Sends a presence subscription signed by pusher-http-java, without waiting for the answer. */
    public void subscribePresence(Pusher sdk, String channel, PresenceUser user) {
        JsonNode auth = Json.parse(sdk.authenticate(socketId, channel, user));
        subscribe(channel, auth.path("auth").asText(), auth.path("channel_data").asText());
    }

    /**
     * Sends {@code pusher:signin} for {@code userData} (the exact string that is signed), signed
     * with {@code secret} as an app's user-auth endpoint would (protocol §4.1), without waiting.
     */
    public void signin(String key, String secret, String userData) {
        ObjectNode data =
                Json.MAPPER
                        .createObjectNode()
                        .put("auth", userAuth(key, secret, socketId, userData))
                        .put("user_data", userData);
        send(Json.write(frame("pusher:signin", null, data)));
    }

    /**
     * Signs in with the server's own credentials and awaits {@code pusher:signin_success}; returns
     * its decoded data.
     */
    public JsonNode signinAndAwait(HeraldProcess herald, String userData) {
        signin(herald.appKey(), herald.appSecret(), userData);
        return Json.data(awaitEvent("pusher:signin_success"));
    }

    /**
     * Publishes a marker event on {@code channel} (which this socket must be subscribed to) over
     * HTTP, and returns every frame this socket received before it. Events reach one connection in
     * the order the server handled them, so what the server sent before the marker is in the list.
     */
    public List<JsonNode> fence(Pusher sdk, String channel) {
        String marker = "fence-" + FENCES.incrementAndGet();
        Results.ok(sdk.trigger(channel, marker, Map.of()));
        return framesBefore(marker);
    }

    public void unsubscribe(String channel) {
        send(
                Json.write(
                        frame(
                                "pusher:unsubscribe",
                                null,
                                Json.MAPPER.createObjectNode().put("channel", channel))));
    }

    /** Sends a client event whose data is a JSON object, as pusher-js does. */
    public void trigger(String channel, String event, JsonNode data) {
        send(Json.write(frame(event, channel, data)));
    }

    public static ObjectNode frame(String event, String channel, JsonNode data) {
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
    public JsonNode next() {
        try {
            JsonNode frame = frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError(
                        "no frame within "
                                + wait
                                + (closed.isDone() ? "; closed " + closed.join() : ""));
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Skips frames until one matches; fails, listing what was skipped, if none comes within the
     * wait.
     */
    public JsonNode await(String description, Predicate<JsonNode> predicate) {
        List<JsonNode> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError(
                            "no "
                                    + description
                                    + " within "
                                    + wait
                                    + "; frames seen instead: "
                                    + skipped
                                    + (closed.isDone()
                                            ? "; connection closed " + closed.join()
                                            : ""));
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

    public JsonNode awaitEvent(String event) {
        return await("'" + event + "'", f -> event.equals(f.path("event").asText()));
    }

    public JsonNode awaitEvent(String event, String channel) {
        return await(
                "'" + event + "' on " + channel,
                f ->
                        event.equals(f.path("event").asText())
                                && channel.equals(f.path("channel").asText()));
    }

    /**
     * Awaits the next {@code pusher:error} and returns its decoded data ({@code code}, {@code
     * message}).
     */
    public JsonNode awaitError() {
        JsonNode error = awaitEvent("pusher:error");
        JsonNode data = Json.data(error);
        assertThat(data.isObject()).as("pusher:error data %s", error).isTrue();
        return data;
    }

    /**
     * Awaits a {@code pusher:error} with that code and a message saying why, then proves the
     * connection is still open and answering.
     */
    public JsonNode awaitErrorAndStayOpen(int code) {
        JsonNode error = awaitError();
        assertThat(error.path("code").asInt()).as("error %s", error).isEqualTo(code);
        assertThat(error.path("message").asText()).as("a message says why: %s", error).isNotBlank();
        roundTrip();
        assertThat(isClosed()).as("connection stays open").isFalse();
        return error;
    }

    /**
     * Subscribes and awaits {@code pusher_internal:subscription_succeeded}; returns its decoded
     * data.
     */
    public JsonNode subscribeAndAwait(String channel) {
        subscribe(channel);
        return Json.data(awaitEvent("pusher_internal:subscription_succeeded", channel));
    }

    /**
     * Proves the connection still works and that every earlier frame has been read: sends {@code
     * pusher:ping} and consumes everything up to the {@code pusher:pong}, returning the frames
     * before it.
     */
    public List<JsonNode> roundTrip() {
        send("{\"event\":\"pusher:ping\",\"data\":{}}");
        return framesBefore("pusher:pong");
    }

    /** Consumes frames up to the first one with that event name and returns those before it. */
    public List<JsonNode> framesBefore(String event) {
        List<JsonNode> before = new ArrayList<>();
        await(
                "'" + event + "'",
                f -> {
                    boolean match = event.equals(f.path("event").asText());
                    if (!match) {
                        before.add(f);
                    }
                    return match;
                });
        return before;
    }

    /** The event names of {@link #framesBefore(String)}. */
    public List<String> eventsBefore(String event) {
        List<String> names = new ArrayList<>();
        framesBefore(event).forEach(f -> names.add(f.path("event").asText()));
        return names;
    }

    /** Frames received and not yet consumed. */
    public List<JsonNode> drain() {
        List<JsonNode> rest = new ArrayList<>();
        frames.drainTo(rest);
        return rest;
    }

    /**
     * Waits for the server's close frame; fails if the connection ends without one, or stays open.
     */
    public Close awaitClose() {
        try {
            return closed.get(wait.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("connection failed instead of closing", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("not closed within " + wait + "; frames " + drain());
        }
    }

    public boolean isClosed() {
        return closed.isDone() || inputClosed;
    }

    /**
     * Closes politely (close frame, then the server's close frame), then drops the TCP connection.
     */
    @Override
    public void close() {
        try {
            sendClose(new byte[] {(byte) (1000 >> 8), (byte) (1000 & 0xFF)});
            closed.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closed already, or no answer: drop it either way
        } finally {
            socket.close();
        }
    }

    /**
     * What an app's user-auth endpoint signs for {@code pusher:signin} (protocol §4.1): {@code
     * key:hmac}.
     */
    public static String userAuth(String key, String secret, String socketId, String userData) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest =
                    mac.doFinal(
                            (socketId + "::user::" + userData).getBytes(StandardCharsets.UTF_8));
            return key + ":" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
