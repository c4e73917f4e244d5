package dev.herald.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An app's webhook endpoint on loopback ({@link HttpServer}), for a server in a child process or a
 * dispatcher in the test's own JVM: records every POST as received (headers, raw body, arrival
 * time) and answers with a status chosen per attempt, so a test can make it fail for a while, or
 * for good; or, {@link #stalled()}, it never answers at all.
 */
public final class WebhookReceiver implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(15);

    /**
     * One POST as received, when it arrived ({@link System#nanoTime()}), and the status it was
     * answered with.
     */
    public record Delivery(
            int attempt,
            String contentType,
            String key,
            String signature,
            String body,
            int status,
            long receivedNanos) {
        public boolean accepted() {
            return status / 100 == 2;
        }

        public JsonNode json() {
            return Json.parse(body);
        }

        public List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            json().path("events").forEach(events::add);
            return events;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final CountDownLatch release;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile IntUnaryOperator statusForAttempt = attempt -> 200;

    private WebhookReceiver(boolean stalled) {
        try {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getByName(HeraldProcess.HOST), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // a stalled receiver holds every request open, each on a thread of its own
        threads = stalled ? Executors.newCachedThreadPool() : null;
        release = stalled ? new CountDownLatch(1) : null;
        server.setExecutor(threads);
        server.createContext("/hook", this::handle);
        server.start();
    }

    /** Starts a receiver on a free loopback port that answers 200 until told otherwise. */
    public static WebhookReceiver start() {
        return new WebhookReceiver(false);
    }

    /** Starts a receiver that reads (and records) each request and never answers, until closed. */
    public static WebhookReceiver stalled() {
        return new WebhookReceiver(true);
    }

    public URI url() {
        return URI.create(
                "http://" + HeraldProcess.HOST + ":" + server.getAddress().getPort() + "/hook");
    }

    /** Answers 500 to the first {@code n} POSTs, then 200. */
    public WebhookReceiver failFirst(int n) {
        statusForAttempt = attempt -> attempt <= n ? 500 : 200;
        return this;
    }

    /** Answers 500 to every POST. */
    public WebhookReceiver failAlways() {
        statusForAttempt = attempt -> 500;
        return this;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long now = System.nanoTime();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        int status = record(exchange, body, now);
        if (release != null) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /**
     * Keeps the delivery and returns the status to answer it with; one at a time, so attempts are
     * numbered in order.
     */
    private synchronized int record(HttpExchange exchange, byte[] body, long receivedNanos) {
        int attempt = deliveries.size() + 1;
        int status =
                "POST".equals(exchange.getRequestMethod())
                        ? statusForAttempt.applyAsInt(attempt)
                        : 405;
        deliveries.add(
                new Delivery(
                        attempt,
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("X-Pusher-Key"),
                        exchange.getRequestHeaders().getFirst("X-Pusher-Signature"),
                        new String(body, StandardCharsets.UTF_8),
                        status,
                        receivedNanos));
        return status;
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    public List<Delivery> accepted() {
        return deliveries.stream().filter(Delivery::accepted).collect(Collectors.toList());
    }

    /** Forgets what arrived so far (after a warm-up, say). */
    public synchronized void clear() {
        deliveries.clear();
    }

    /** The events of the accepted deliveries, in the order they arrived. */
    public List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        accepted().forEach(d -> events.addAll(d.events()));
        return events;
    }

    /** The accepted events about {@code channel}, as {@code name} or {@code name:user_id}. */
    public List<String> summary(String channel) {
        return events().stream()
                .filter(e -> channel.equals(e.path("channel").asText()))
                .map(WebhookReceiver::summarize)
                .collect(Collectors.toList());
    }

    /**
     * The occupancy and membership events about {@code channel}, as {@link #summary} writes them:
     * {@code subscription_count} events are left out (see {@link #subscriptionCounts}).
     */
    public List<String> occupancyAndMembership(String channel) {
        return summary(channel).stream()
                .filter(s -> !"subscription_count".equals(s))
                .collect(Collectors.toList());
    }

    /**
     * The counts of the {@code subscription_count} events about {@code channel}, in arrival order.
     */
    public List<Integer> subscriptionCounts(String channel) {
        return events().stream()
                .filter(e -> channel.equals(e.path("channel").asText()))
                .filter(e -> "subscription_count".equals(e.path("name").asText()))
                .map(e -> e.path("subscription_count").asInt(-1))
                .collect(Collectors.toList());
    }

    public static String summarize(JsonNode event) {
        String name = event.path("name").asText();
        return event.has("user_id") && !name.equals("client_event")
                ? name + ":" + event.path("user_id").asText()
                : name;
    }

    /**
     * Waits until an accepted delivery carried an event matching {@code predicate}, and returns
     * that event.
     */
    public JsonNode awaitEvent(String description, Predicate<JsonNode> predicate) {
        await("webhook " + description)
                .atMost(WAIT)
                .until(() -> events().stream().anyMatch(predicate));
        return events().stream().filter(predicate).findFirst().orElseThrow();
    }

    /** Waits for an accepted event of that name about that channel. */
    public JsonNode awaitEvent(String name, String channel) {
        return awaitEvent(
                name + " " + channel,
                e ->
                        name.equals(e.path("name").asText())
                                && channel.equals(e.path("channel").asText()));
    }

    /**
     * Waits until the events about {@code channel} include {@code summary} (as {@link #summary}
     * writes it).
     */
    public void awaitSummary(String channel, String summary, Duration within) {
        await("webhook " + summary + " about " + channel)
                .atMost(within)
                .until(() -> summary(channel).contains(summary));
    }

    @Override
    public void close() {
        if (release != null) {
            release.countDown();
        }
        server.stop(0);
        if (threads != null) {
            threads.shutdownNow();
        }
    }
}
