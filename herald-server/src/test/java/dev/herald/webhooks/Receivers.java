package dev.herald.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.herald.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Webhook endpoints on loopback, served by the JDK's {@link HttpServer}. */
final class Receivers {

    private Receivers() {
    }

    /** An endpoint that answers 200 and keeps each event with the time it arrived. */
    static final class Healthy implements AutoCloseable {
        record Arrival(JsonNode event, long nanos) {
        }

        private final HttpServer server;
        final List<Arrival> arrivals = new CopyOnWriteArrayList<>();

        Healthy() {
            server = create();
            server.createContext("/hook", this::handle);
            server.start();
        }

        private void handle(HttpExchange exchange) throws IOException {
            long now = System.nanoTime();
            JsonNode body = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
            body.path("events").forEach(e -> arrivals.add(new Arrival(e, now)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        }

        URI url() {
            return urlOf(server);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** An endpoint that reads the request and never answers, until closed. */
    static final class Stalled implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final CountDownLatch release = new CountDownLatch(1);

        Stalled() {
            server = create();
            server.setExecutor(threads);
            server.createContext("/hook", this::handle);
            server.start();
        }

        private void handle(HttpExchange exchange) throws IOException {
            exchange.getRequestBody().readAllBytes();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        }

        URI url() {
            return urlOf(server);
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            threads.shutdownNow();
        }
    }

    private static HttpServer create() {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URI urlOf(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }
}
