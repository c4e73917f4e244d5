package dev.herald.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A JDK WebSocket listener that joins each text message's fragments, hands it on as JSON, and
 * reports the close frame or the failure. The raw-socket fixtures of the compat and cluster tests
 * share it.
 */
public final class JsonFrameListener implements WebSocket.Listener {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final StringBuilder text = new StringBuilder();
    private final Consumer<JsonNode> frames;
    private final BiConsumer<Integer, String> closed;
    private final Consumer<Throwable> failed;

    public JsonFrameListener(Consumer<JsonNode> frames, BiConsumer<Integer, String> closed, Consumer<Throwable> failed) {
        this.frames = frames;
        this.closed = closed;
        this.failed = failed;
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
        closed.accept(statusCode, reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        failed.accept(error);
    }
}
