package dev.herald.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * The console's debug stream read over a plain socket, line by line, as an EventSource would: each
 * {@code activity} event's data is kept, and the counts of {@code dropped} events summed.
 */
final class EventStream implements AutoCloseable {

    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    final List<Long> dropped = new CopyOnWriteArrayList<>();
    volatile String status;
    private final Socket socket;

    private EventStream(Socket socket) {
        this.socket = socket;
    }

    /** Opens the stream; {@code read=false} opens it and never reads a byte. */
    static EventStream open(int port, String appId, String token, boolean read, int receiveBuffer)
            throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(
                ("GET /console/api/apps/"
                                + appId
                                + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                + token
                                + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        EventStream stream = new EventStream(socket);
        if (read) {
            Thread t = new Thread(stream::read, "console-stream-reader");
            t.setDaemon(true);
            t.start();
        }
        return stream;
    }

    static EventStream open(int port, String appId, String token) throws IOException {
        EventStream s = open(port, appId, token, true, 0);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.status != null);
        return s;
    }

    /** Reads what a stream that never read holds, from now on. */
    void startReading() {
        Thread t = new Thread(this::read, "console-stream-reader");
        t.setDaemon(true);
        t.start();
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            status = in.readLine();
            String event = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ") && event != null) {
                    JsonNode data = Json.parse(line.substring(6));
                    if (event.equals("activity")) {
                        events.add(data);
                    } else if (event.equals("dropped")) {
                        dropped.add(data.get("count").asLong());
                    }
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
        } catch (IOException e) {
            // the stream ended
        }
    }

    JsonNode await(String description, Predicate<JsonNode> match) {
        return await(description, match, Duration.ofSeconds(10));
    }

    JsonNode await(String description, Predicate<JsonNode> match, Duration within) {
        List<JsonNode> found = new ArrayList<>();
        Awaitility.await()
                .alias(description)
                .atMost(within)
                .until(
                        () -> {
                            events.stream().filter(match).findFirst().ifPresent(found::add);
                            return !found.isEmpty();
                        });
        return found.get(0);
    }

    static Predicate<JsonNode> kind(String kind) {
        return e -> kind.equals(e.path("kind").asText());
    }

    long droppedTotal() {
        return dropped.stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
