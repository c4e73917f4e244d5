package dev.herald.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A JDK WebSocket listener that joins each text message's fragments, hands it on as JSON, and
 * keeps the close frame or the failure; with the opening and closing steps around it. The
 * raw-socket fixtures of the compat and cluster tests share it.
 */
public final class JsonFrameListener implements WebSocket.Listener {

    /** The close frame the server sent. */
    public record Close(int code, String reason) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final StringBuilder text = new StringBuilder();
    private final Consumer<JsonNode> frames;
    private final CompletableFuture<Close> closed = new CompletableFuture<>();

    public JsonFrameListener(Consumer<JsonNode> frames) {
        this.frames = frames;
    }

    /** Completes with the server's close frame, or exceptionally if the connection failed. */
    public CompletableFuture<Close> closed() {
        return closed;
    }

    /** Runs the upgrade to {@code uri} with this listener; fails the test if it does not succeed in time. */
    public WebSocket open(WebSocket.Builder builder, URI uri, Duration wait) {
        try {
            return builder.connectTimeout(wait).buildAsync(uri, this).get(wait.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("WebSocket upgrade to " + uri + " failed", e);
        }
    }

    /** Waits for the server's close frame; {@code context} is added to the failure message. */
    public Close awaitClose(Duration wait, Supplier<String> context) {
        try {
            return closed.get(wait.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("connection failed instead of closing", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("not closed within " + wait + context.get());
        }
    }

    /** Closes politely (close frame, then the server's close frame), then drops the TCP connection. */
    public void closePolitely(WebSocket socket) {
        try {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
            }
            closed.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closed already, or no answer: abort either way
        } finally {
            socket.abort();
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            try {
                frames.accept(MAPPER.readTree(text.toString()));
            } catch (JsonProcessingException e) {
                throw new AssertionError("the server sent a frame that is not JSON: " + text, e);
            } finally {
                text.setLength(0);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }
}
