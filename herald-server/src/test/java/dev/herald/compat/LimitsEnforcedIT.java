package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawFrameSocket;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The protection limits of a node and an app, each on a server of its own configured with a small
 * value: every refusal carries the Pusher code (or HTTP status) and a message, and is counted on
 * {@code /metrics}.
 */
class LimitsEnforcedIT {

    /** The machine may be busy (benchmarks, CI): waits are generous, and none is a fixed sleep. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String REFUSED = "herald_connections_refused_total";

    @RegisterExtension final OpenResources open = new OpenResources();

    private HeraldProcess start(String name, Map<String, String> overrides) {
        return open.track(HeraldProcess.start(name, overrides));
    }

    /**
     * The first frame is {@code pusher:error} with {@code code} and a message, then the server
     * closes with {@code code}.
     */
    private static void assertRefused(RawWebSocket ws, int code) {
        JsonNode first = ws.next();
        assertThat(first.path("event").asText())
                .as("first frame %s", first)
                .isEqualTo("pusher:error");
        JsonNode error = Json.data(first);
        assertThat(error.path("code").asInt()).as("error %s", error).isEqualTo(code);
        assertThat(error.path("message").asText()).as("a message says why: %s", error).isNotBlank();
        assertThat(ws.awaitClose().code()).as("close code").isEqualTo(code);
    }

    private static double refusals(HeraldProcess herald, String reason) {
        return Ops.scrape(herald).valueOrZero(REFUSED, Map.of("reason", reason));
    }

    private static double openConnections(HeraldProcess herald) {
        return Ops.scrape(herald).value("herald_connections", Map.of("app", herald.appId()));
    }

    @Test
    void nodeCapacityRefusesTheThirdConnectionWith4100UntilOneCloses() {
        HeraldProcess herald = start("limits-node-cap", Map.of("HERALD_MAX_CONNECTIONS", "2"));
        RawWebSocket first = open.track(RawWebSocket.connect(herald));
        open.track(RawWebSocket.connect(herald));

        RawWebSocket third = open.track(RawWebSocket.open(herald.ws()));

        assertRefused(third, 4100);
        assertThat(refusals(herald, "node_capacity")).isEqualTo(1);

        first.close();
        // the node's admission is released where the connection gauge drops (the channel closing)
        await("the closed connection leaves the node")
                .atMost(WAIT)
                .until(() -> openConnections(herald) == 1);
        RawWebSocket fourth = open.track(RawWebSocket.connect(herald));
        fourth.roundTrip();
        assertThat(fourth.isClosed()).isFalse();
        assertThat(refusals(herald, "node_capacity")).as("no further refusal").isEqualTo(1);
    }

    @Test
    void newConnectionsPerIpPerSecondBeyondTheRateGet4100() throws Exception {
        int perSecond = 3;
        int attempts = 6;
        HeraldProcess herald =
                start(
                        "limits-ip-rate",
                        Map.of(
                                "HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND",
                                Integer.toString(perSecond)));
        ExecutorService pool = Executors.newFixedThreadPool(attempts);
        open.<AutoCloseable>track(pool::shutdownNow);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<RawWebSocket>> opening = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            opening.add(
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    go.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new AssertionError(e);
                                }
                                return RawWebSocket.open(herald.ws());
                            },
                            pool));
        }
        go.countDown();

        int established = 0;
        int refused = 0;
        for (CompletableFuture<RawWebSocket> future : opening) {
            RawWebSocket ws = open.track(future.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            JsonNode first = ws.next();
            if ("pusher:connection_established".equals(first.path("event").asText())) {
                established++;
                ws.roundTrip();
            } else {
                JsonNode error = Json.data(first);
                assertThat(first.path("event").asText())
                        .as("frame %s", first)
                        .isEqualTo("pusher:error");
                assertThat(error.path("code").asInt()).as("error %s", error).isEqualTo(4100);
                assertThat(error.path("message").asText()).isNotBlank();
                assertThat(ws.awaitClose().code()).isEqualTo(4100);
                refused++;
            }
        }

        // a bucket of 3 tokens refilled at 3/s: the first 3 always pass, 6 at once cannot all pass
        assertThat(established).as("connected").isGreaterThanOrEqualTo(perSecond);
        assertThat(refused).as("refused with 4100").isPositive();
        assertThat(refusals(herald, "ip_rate")).isEqualTo(refused);
    }

    @Test
    void onlyAllowedOriginsMayConnectAndOthersGet4009() {
        HeraldProcess herald =
                start(
                        "limits-origins",
                        Map.of(
                                "HERALD_APP_ALLOWED_ORIGINS",
                                "https://good.example,https://*.example.org"));

        RawWebSocket good =
                open.track(
                        RawWebSocket.open(herald.ws(), Map.of("Origin", "https://good.example")));
        good.awaitConnectionEstablished();
        RawWebSocket subdomain =
                open.track(
                        RawWebSocket.open(herald.ws(), Map.of("Origin", "https://a.example.org")));
        subdomain.awaitConnectionEstablished();
        RawWebSocket evil =
                open.track(
                        RawWebSocket.open(herald.ws(), Map.of("Origin", "https://evil.example")));
        assertRefused(evil, 4009);
        RawWebSocket bareDomain =
                open.track(RawWebSocket.open(herald.ws(), Map.of("Origin", "https://example.org")));
        assertRefused(bareDomain, 4009);

        good.roundTrip();
        subdomain.roundTrip();
        assertThat(refusals(herald, "origin")).isEqualTo(2);
    }

    @Test
    void apiRequestsBeyondTheAppRateGet429WithAJsonBody() throws Exception {
        int perSecond = 5;
        int requests = 20;
        HeraldProcess herald =
                start(
                        "limits-api-rate",
                        Map.of("HERALD_APP_API_REQUESTS_PER_SECOND", Integer.toString(perSecond)));
        Pusher sdk = Sdk.of(herald);
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager();
        connections.setMaxTotal(requests);
        connections.setDefaultMaxPerRoute(requests);
        sdk.configureHttpClient(
                Pusher.defaultHttpClientBuilder().setConnectionManager(connections));
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        open.<AutoCloseable>track(pool::shutdownNow);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Result>> triggers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int n = i;
            triggers.add(
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    go.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new AssertionError(e);
                                }
                                return sdk.trigger("api-rate", "burst", Map.of("n", n));
                            },
                            pool));
        }
        go.countDown();

        int ok = 0;
        int limited = 0;
        for (CompletableFuture<Result> trigger : triggers) {
            Result result = trigger.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (result.getStatus() == Result.Status.SUCCESS) {
                ok++;
                continue;
            }
            assertThat(result.getHttpStatus())
                    .as("%s %s", result.getStatus(), result.getMessage())
                    .isEqualTo(429);
            JsonNode body = Json.parse(result.getMessage());
            assertThat(body.path("status").asInt()).as("body %s", body).isEqualTo(429);
            assertThat(body.path("error").isTextual()).as("body %s", body).isTrue();
            assertThat(body.path("error").asText()).isNotBlank();
            limited++;
        }

        assertThat(ok).as("accepted").isGreaterThanOrEqualTo(perSecond);
        assertThat(limited).as("answered 429").isPositive();
        assertThat(
                        Ops.scrape(herald)
                                .value(
                                        "herald_http_rate_limited_total",
                                        Map.of("app", herald.appId())))
                .isEqualTo(limited);
    }

    @Test
    void aFrameLargerThanTheMaximumIsClosedWith1009() {
        HeraldProcess herald = start("limits-frame", Map.of("HERALD_MAX_FRAME_BYTES", "2048"));
        RawWebSocket ws = open.track(RawWebSocket.connect(herald));

        String oneKb =
                "{\"event\":\"pusher:ping\",\"data\":{\"pad\":\"" + "x".repeat(1024) + "\"}}";
        ws.send(oneKb);
        ws.awaitEvent("pusher:pong");
        assertThat(ws.isClosed()).isFalse();

        String fourKb =
                "{\"event\":\"pusher:ping\",\"data\":{\"pad\":\"" + "x".repeat(4096) + "\"}}";
        ws.send(fourKb);

        assertThat(ws.awaitClose().code()).isEqualTo(1009);
        assertThat(ws.drain())
                .as("no pong for the refused frame")
                .noneMatch(f -> "pusher:pong".equals(f.path("event").asText()));
    }

    /**
     * On each transport, and on epoll with each way of sending fan-out frames: {@code auto} is the
     * default (epoll where the kernel has it, fan-out in io_uring batches where the build and the
     * kernel allow; {@code io_uring} refuses to start otherwise, so that path is not skipped here).
     */
    @ParameterizedTest(name = "HERALD_TRANSPORT={0}, HERALD_FANOUT_SEND={1}")
    @CsvSource({"auto,auto", "epoll,io_uring", "epoll,send", "io_uring,auto", "nio,auto"})
    void aSlowConsumerIsClosedWhileAReadingSubscriberKeepsReceiving(
            String transport, String fanoutSend) throws Exception {
        HeraldProcess herald =
                start(
                        "limits-slow-" + transport + "-" + fanoutSend,
                        Map.of(
                                "HERALD_WRITE_BUFFER_HIGH_WATER_MARK",
                                "16384",
                                "HERALD_TRANSPORT",
                                transport,
                                "HERALD_FANOUT_SEND",
                                fanoutSend));
        Pusher sdk = Sdk.of(herald);
        String channel = "slow-news";
        RawWebSocket reader = open.track(RawWebSocket.connect(herald));
        reader.subscribeAndAwait(channel);

        // a small receive window, so that the server's side fills up after a few MB rather than
        // tens
        RawFrameSocket slow =
                open.track(RawFrameSocket.connect(herald.ws(), (int) WAIT.toMillis(), 4096));
        readUntil(slow, "pusher:connection_established");
        slow.sendText(
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
        readUntil(slow, "pusher_internal:subscription_succeeded");
        // from here on `slow` reads nothing

        String pad = "p".repeat(8_000);
        long maxBatches = 64L * 1024 * 1024 / (10 * pad.length()); // give up after ~64 MB
        int sent = 0;
        boolean closed = false;
        for (int batch = 0; batch < maxBatches && !closed; batch++) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                events.add(new Event(channel, "tick", Map.of("n", sent++, "pad", pad)));
            }
            Results.ok(sdk.trigger(events));
            closed =
                    Ops.scrape(herald)
                                    .valueOrZero(
                                            "herald_slow_consumer_closes_total",
                                            Map.of("app", herald.appId()))
                            >= 1;
        }
        assertThat(closed)
                .as("the non-reading socket counted as a slow consumer after %s events", sent)
                .isTrue();

        // the reading subscriber is not a slow consumer: it got every event and stays connected
        Results.ok(sdk.trigger(channel, "after", Map.of()));
        List<JsonNode> before = readerFramesBefore(reader, "after");
        long ticks = before.stream().filter(f -> "tick".equals(f.path("event").asText())).count();
        assertThat(ticks).as("the reading subscriber received every event").isEqualTo(sent);
        reader.roundTrip();
        assertThat(reader.isClosed()).isFalse();

        // the server lets go of the slow one without its cooperation: only the reader stays
        await("the slow consumer's connection is gone")
                .atMost(WAIT)
                .until(() -> openConnections(herald) == 1);
        String ending = drainUntilEnd(slow);
        assertThat(ending)
                .as("how the slow consumer's connection ended")
                .matches("close 4100|cut .*");
        assertThat(
                        Ops.scrape(herald)
                                .value(
                                        "herald_slow_consumer_closes_total",
                                        Map.of("app", herald.appId())))
                .as("only the slow consumer was closed")
                .isEqualTo(1);
    }

    /**
     * {@link RawWebSocket#framesBefore} with a fresh wait per frame, for a long backlog on a busy
     * machine.
     */
    private static List<JsonNode> readerFramesBefore(RawWebSocket reader, String event) {
        List<JsonNode> before = new ArrayList<>();
        while (true) {
            JsonNode frame;
            try {
                frame = reader.next();
            } catch (AssertionError e) {
                throw new AssertionError(
                        "the reading subscriber stopped receiving after "
                                + before.size()
                                + " frames (a slow-consumer close of a reading client?): "
                                + e.getMessage(),
                        e);
            }
            if (event.equals(frame.path("event").asText())) {
                return before;
            }
            before.add(frame);
        }
    }

    private static void readUntil(RawFrameSocket socket, String event) throws IOException {
        List<String> seen = new ArrayList<>();
        while (true) {
            RawFrameSocket.Frame frame = socket.readFrame();
            if (frame.opcode() == RawFrameSocket.TEXT
                    && event.equals(Json.parse(frame.text()).path("event").asText())) {
                return;
            }
            seen.add(frame.toString());
            if (frame.opcode() == RawFrameSocket.CLOSE) {
                throw new AssertionError("closed before '" + event + "': " + seen);
            }
        }
    }

    /**
     * Reads what the server had already sent until the connection ends; returns "close CODE" for a
     * close frame, or "cut ..." when the TCP connection ended without one. A {@code pusher:error}
     * on the way must be 4100.
     */
    private static String drainUntilEnd(RawFrameSocket socket) {
        while (true) {
            RawFrameSocket.Frame frame;
            try {
                frame = socket.readFrame();
            } catch (EOFException e) {
                return "cut (end of stream)";
            } catch (SocketException e) {
                return "cut (" + e.getMessage() + ")";
            } catch (IOException e) {
                throw new AssertionError(
                        "the slow consumer's connection neither closed nor ended", e);
            }
            if (frame.opcode() == RawFrameSocket.CLOSE) {
                return "close " + frame.closeCode();
            }
            if (frame.opcode() == RawFrameSocket.TEXT) {
                JsonNode json = Json.parse(frame.text());
                if ("pusher:error".equals(json.path("event").asText())) {
                    assertThat(Json.data(json).path("code").asInt())
                            .as("error %s", json)
                            .isEqualTo(4100);
                }
            }
        }
    }
}
