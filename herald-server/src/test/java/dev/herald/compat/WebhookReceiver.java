package dev.herald.compat;

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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An app's webhook endpoint on loopback ({@link HttpServer}): records every POST as received
 * (headers and raw body) and answers with a status chosen per attempt, so a test can make it fail
 * for a while, or for good.
 */
final class WebhookReceiver implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);

    /** One POST as received, and the status it was answered with. */
    record Delivery(int attempt, String contentType, String key, String signature, String body, int status) {
        boolean accepted() {
            return status / 100 == 2;
        }

        JsonNode json() {
            return Json.parse(body);
        }

        List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            json().path("events").forEach(events::add);
            return events;
        }
    }

    private final HttpServer server;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile IntUnaryOperator statusForAttempt = attempt -> 200;

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    /** Starts a receiver on a free loopback port that answers 200 until told otherwise. */
    static WebhookReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(HeraldProcess.HOST), 0), 0);
            WebhookReceiver receiver = new WebhookReceiver(server);
            server.createContext("/hook", receiver::handle);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI url() {
        return URI.create("http://" + HeraldProcess.HOST + ":" + server.getAddress().getPort() + "/hook");
    }

    /** Answers 500 to the first {@code n} POSTs, then 200. */
    WebhookReceiver failFirst(int n) {
        statusForAttempt = attempt -> attempt <= n ? 500 : 200;
        return this;
    }

    /** Answers 500 to every POST. */
    WebhookReceiver failAlways() {
        statusForAttempt = attempt -> 500;
        return this;
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        int attempt = deliveries.size() + 1;
        int status = "POST".equals(exchange.getRequestMethod()) ? statusForAttempt.applyAsInt(attempt) : 405;
        deliveries.add(new Delivery(attempt, exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("X-Pusher-Key"),
                exchange.getRequestHeaders().getFirst("X-Pusher-Signature"),
                new String(body, StandardCharsets.UTF_8), status));
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    List<Delivery> accepted() {
        return deliveries.stream().filter(Delivery::accepted).collect(Collectors.toList());
    }

    /** The events of the accepted deliveries, in the order they arrived. */
    List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        accepted().forEach(d -> events.addAll(d.events()));
        return events;
    }

    /** The accepted events about {@code channel}, as {@code name} or {@code name:user_id}. */
    List<String> summary(String channel) {
        return events().stream().filter(e -> channel.equals(e.path("channel").asText()))
                .map(WebhookReceiver::summarize).collect(Collectors.toList());
    }

    static String summarize(JsonNode event) {
        String name = event.path("name").asText();
        return event.has("user_id") && !name.equals("client_event") ? name + ":" + event.path("user_id").asText() : name;
    }

    /** Waits until an accepted delivery carried an event matching {@code predicate}, and returns that event. */
    JsonNode awaitEvent(String description, Predicate<JsonNode> predicate) {
        await("webhook " + description).atMost(WAIT).until(() -> events().stream().anyMatch(predicate));
        return events().stream().filter(predicate).findFirst().orElseThrow();
    }

    /** Waits for an accepted event of that name about that channel. */
    JsonNode awaitEvent(String name, String channel) {
        return awaitEvent(name + " " + channel,
                e -> name.equals(e.path("name").asText()) && channel.equals(e.path("channel").asText()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
