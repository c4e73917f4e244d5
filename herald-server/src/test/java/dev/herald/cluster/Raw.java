package dev.herald.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import dev.herald.testing.JsonFrameListener;
import dev.herald.testing.JsonFrameListener.Close;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A protocol-level connection over the JDK's WebSocket, only for what pusher-java-client does not
 * show an application: the exact close code the server sends.
 */
final class Raw implements AutoCloseable {

    private static final Duration WAIT = Client.WAIT;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final JsonFrameListener listener = new JsonFrameListener(frames::add);
    private final CompletableFuture<Close> closed = listener.closed();
    private final WebSocket socket;
    private final String socketId;

    private Raw(HeraldProcess node) {
        URI uri = URI.create("ws://" + HeraldProcess.HOST + ":" + node.port() + "/app/" + node.app().key()
                + "?protocol=7&client=java-raw&version=1.0");
        socket = listener.open(HTTP.newWebSocketBuilder(), uri, WAIT);
        socketId = Json.data(awaitEvent("pusher:connection_established")).path("socket_id").asText();
    }

    static Raw connect(HeraldProcess node) {
        return new Raw(node);
    }

    /** {@code pusher:signin} as {@code userId}, signed with the app's secret; waits for signin_success. */
    void signIn(TestApp app, String userId) {
        String userData = "{\"id\":\"" + userId + "\"}";
        send(Json.write(Map.of("event", "pusher:signin",
                "data", Map.of("auth", Api.userAuth(app, socketId, userData), "user_data", userData))));
        awaitEvent("pusher:signin_success");
    }

    void send(String text) {
        try {
            socket.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("send failed", e);
        }
    }

    /** Skips frames until one with that event name arrives. */
    JsonNode awaitEvent(String event) {
        List<JsonNode> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError("no " + event + " within " + WAIT + "; frames seen instead: " + skipped
                            + (closed.isDone() ? "; closed " + closed.join() : ""));
                }
                if (event.equals(frame.path("event").asText())) {
                    return frame;
                }
                skipped.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Close awaitClose() {
        return listener.awaitClose(WAIT, () -> "");
    }

    @Override
    public void close() {
        listener.closePolitely(socket);
    }
}
