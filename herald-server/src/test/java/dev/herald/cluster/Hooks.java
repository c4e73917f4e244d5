package dev.herald.cluster;

import dev.herald.compat.Json;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.herald.testing.HeraldProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * An app's webhook endpoint on loopback: records every event of every POST (answered 200), in
 * the order they arrived, from whichever node sent it.
 */
final class Hooks implements AutoCloseable {

    private final HttpServer server;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private Hooks(HttpServer server) {
        this.server = server;
    }

    static Hooks start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(HeraldProcess.HOST), 0), 0);
            Hooks hooks = new Hooks(server);
            server.createContext("/hook", hooks::handle);
            server.start();
            return hooks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://" + HeraldProcess.HOST + ":" + server.getAddress().getPort() + "/hook";
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        if ("POST".equals(exchange.getRequestMethod())) {
            Json.parse(new String(body, StandardCharsets.UTF_8)).path("events").forEach(events::add);
        }
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /**
     * The occupancy and membership events about {@code channel} so far, as {@code name} or
     * {@code name:user_id} ({@code subscription_count} events are left out: see {@link #subscriptionCounts}).
     */
    List<String> summary(String channel) {
        return events.stream().filter(e -> channel.equals(e.path("channel").asText()))
                .filter(e -> !"subscription_count".equals(e.path("name").asText()))
                .map(e -> e.has("user_id") ? e.path("name").asText() + ":" + e.path("user_id").asText()
                        : e.path("name").asText())
                .collect(Collectors.toList());
    }

    /** The counts of the {@code subscription_count} events about {@code channel}, in arrival order. */
    List<Integer> subscriptionCounts(String channel) {
        return events.stream().filter(e -> channel.equals(e.path("channel").asText()))
                .filter(e -> "subscription_count".equals(e.path("name").asText()))
                .map(e -> e.path("subscription_count").asInt(-1))
                .collect(Collectors.toList());
    }

    /** Waits until the events about {@code channel} include {@code summary} (as {@link #summary} writes it). */
    void awaitEvent(String channel, String summary, Duration within) {
        await("webhook " + summary + " about " + channel).atMost(within)
                .until(() -> summary(channel).contains(summary));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
