package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawHttp;
import dev.herald.testing.RawWebSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP side against hostile clients, over raw sockets against the packaged server: refused
 * WebSocket handshakes never hold a slot of the node's cap, unreadable or oversized requests are
 * answered with why and closed, slow or idle connections are closed in time, and the ops port has
 * the same bounds. Short deadlines (request 2 s, idle 4 s) keep it quick.
 */
class HttpHardeningIT {

    private static final int MAX_CONNECTIONS = 50;
    private static final int REQUEST_TIMEOUT_SECONDS = 2;
    private static final int IDLE_TIMEOUT_SECONDS = 4;
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private static HeraldProcess herald;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "http-hardening",
                        Map.of(
                                "HERALD_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS),
                                "HERALD_HTTP_REQUEST_TIMEOUT",
                                        Integer.toString(REQUEST_TIMEOUT_SECONDS),
                                "HERALD_HTTP_IDLE_TIMEOUT",
                                        Integer.toString(IDLE_TIMEOUT_SECONDS)));
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private RawHttp connect() {
        return open.track(RawHttp.connect(HeraldProcess.HOST, herald.port()));
    }

    private RawHttp connectOps() {
        return open.track(RawHttp.connect(HeraldProcess.HOST, herald.metricsPort()));
    }

    private static String upgrade(String key, String... headers) {
        return "GET /app/"
                + key
                + "?protocol=7&client=js HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + String.join("\r\n", headers)
                + "\r\n\r\n";
    }

    private record Refused(String name, String request, int status) {}

    private static final List<Refused> REFUSED_HANDSHAKES =
            List.of(
                    new Refused(
                            "unsupported version",
                            upgrade(
                                    HeraldProcess.APP_KEY,
                                    "Connection: Upgrade",
                                    "Upgrade: websocket",
                                    "Sec-WebSocket-Version: 8",
                                    "Sec-WebSocket-Key: " + KEY),
                            426),
                    new Refused(
                            "no version",
                            upgrade(
                                    HeraldProcess.APP_KEY,
                                    "Connection: Upgrade",
                                    "Upgrade: websocket",
                                    "Sec-WebSocket-Key: " + KEY),
                            400),
                    new Refused(
                            "no key",
                            upgrade(
                                    HeraldProcess.APP_KEY,
                                    "Connection: Upgrade",
                                    "Upgrade: websocket",
                                    "Sec-WebSocket-Version: 13"),
                            400),
                    new Refused(
                            "no Connection: Upgrade",
                            upgrade(
                                    HeraldProcess.APP_KEY,
                                    "Upgrade: websocket",
                                    "Sec-WebSocket-Version: 13",
                                    "Sec-WebSocket-Key: " + KEY),
                            400));

    @Test
    void refusedHandshakesOfEveryKindNeverLockAnyoneOut() throws Exception {
        int rounds = MAX_CONNECTIONS + 10;
        for (Refused refused : REFUSED_HANDSHAKES) {
            for (int i = 0; i < rounds; i++) {
                try (RawHttp http = RawHttp.connect(HeraldProcess.HOST, herald.port())) {
                    RawHttp.Response answer = http.send(refused.request()).read();

                    assertThat(answer.status()).as(refused.name()).isEqualTo(refused.status());
                    assertThat(answer.closes()).as(refused.name() + ": Connection: close").isTrue();
                    if (refused.status() == 426) {
                        assertThat(answer.header("Sec-WebSocket-Version")).isEqualTo("13");
                    }
                    assertThat(http.closedWithin(Duration.ofSeconds(3)))
                            .as(refused.name() + " closes")
                            .isTrue();
                }
            }
            // the same, all at once over one keep-alive connection: one answer, then the connection
            // ends
            try (RawHttp http = RawHttp.connect(HeraldProcess.HOST, herald.port())) {
                http.send(refused.request().repeat(rounds));

                assertThat(http.read().status()).isEqualTo(refused.status());
                assertThat(http.closedWithin(Duration.ofSeconds(3)))
                        .as(refused.name() + " pipelined")
                        .isTrue();
            }
        }
        // valid handshakes reset by the client at once, and Pusher-level refusals (unknown key)
        for (int i = 0; i < rounds; i++) {
            try (RawHttp http = RawHttp.connect(HeraldProcess.HOST, herald.port())) {
                http.send(
                        upgrade(
                                HeraldProcess.APP_KEY,
                                "Connection: Upgrade",
                                "Upgrade: websocket",
                                "Sec-WebSocket-Version: 13",
                                "Sec-WebSocket-Key: " + KEY));
                http.socket().setSoLinger(true, 0);
            }
            try (RawHttp http = RawHttp.connect(HeraldProcess.HOST, herald.port())) {
                http.send(
                        upgrade(
                                "no-such-key",
                                "Connection: Upgrade",
                                "Upgrade: websocket",
                                "Sec-WebSocket-Version: 13",
                                "Sec-WebSocket-Key: " + KEY));
                assertThat(http.read().status()).isEqualTo(101);
                assertThat(http.closedWithin(Duration.ofSeconds(5)))
                        .as("unknown app key closes")
                        .isTrue();
            }
        }

        assertTheWholeCapIsFree();
    }

    /**
     * All {@link #MAX_CONNECTIONS} slots can be taken by ordinary clients, and the next one is over
     * capacity.
     */
    private void assertTheWholeCapIsFree() {
        List<RawWebSocket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                RawWebSocket ws = RawWebSocket.open(herald.ws());
                clients.add(ws);
                ws.awaitConnectionEstablished();
            }
            RawWebSocket over = RawWebSocket.open(herald.ws());
            clients.add(over);
            RawWebSocket.Close close = over.awaitClose();
            assertThat(close.code()).as("the cap itself still holds").isEqualTo(4100);
        } finally {
            clients.forEach(RawWebSocket::close);
        }
    }

    @Test
    void refusesRequestSmugglingWith400AndClosesBeforeTheSmuggledRequest() throws IOException {
        String smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        List<String> attacks =
                List.of(
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
                        "GET /health HTTP/1.1\nHost: x\n\n",
                        "GET /health HTTP/1.1\r\nHost: x\nX-Other: y\r\n\r\n");
        for (String attack : attacks) {
            RawHttp http = connect();
            RawHttp.Response answer = http.send(attack + smuggled).read();

            assertThat(answer.status()).as(attack).isEqualTo(400);
            assertThat(answer.body()).as(attack).contains("Malformed HTTP request");
            assertThat(answer.closes()).as(attack).isTrue();
            assertThat(http.closedWithin(Duration.ofSeconds(3)))
                    .as("closed, smuggled request unanswered: " + attack)
                    .isTrue();
        }
    }

    @Test
    void refusesAMegabyteOfHeadersWith431AndCloses() throws Exception {
        assertRefusedAndClosed(
                connect(),
                "GET /health HTTP/1.1\r\nHost: x\r\n" + "X-Padding: a\r\n".repeat(80_000) + "\r\n",
                431,
                "header fields too large");
        assertRefusedAndClosed(
                connect(),
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n",
                431,
                "header fields too large");
    }

    @Test
    void refusesATooLongRequestLineWith414AndCloses() throws Exception {
        assertRefusedAndClosed(
                connect(),
                "GET /health?" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                414,
                "Request line too long");
    }

    @Test
    void refusesALargeBodyWith413AndClosesBeforeReadingIt() throws Exception {
        assertRefusedAndClosed(
                connect(),
                "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
                        + "\r\n"
                        + "{".repeat(2_000_000),
                413,
                "Request body too large");

        RawHttp http = connect();
        long total = 100L << 20;
        AtomicLong sent = new AtomicLong();
        byte[] chunk =
                ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        CompletableFuture<Void> writer =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                OutputStream out = http.output();
                                out.write(
                                        "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                .getBytes(StandardCharsets.ISO_8859_1));
                                while (sent.get() < total) {
                                    out.write(chunk);
                                    sent.addAndGet(0x10000);
                                }
                                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                            } catch (IOException e) {
                                // the server closed while the body was still coming: expected
                            }
                        });
        RawHttp.Response answer = http.read();

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.closes()).isTrue();
        assertThat(http.closedWithin(Duration.ofSeconds(5))).isTrue();
        writer.get();
        assertThat(sent.get())
                .as("bytes of the 100 MB body the client got to send")
                .isLessThan(total / 4);
    }

    private static void assertRefusedAndClosed(RawHttp http, String request, int status, String why)
            throws Exception {
        CompletableFuture<Void> writer =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                http.send(request);
                            } catch (IOException e) {
                                // refused and closed before it was all sent: expected
                            }
                        });
        RawHttp.Response answer = http.read();

        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body()).contains(why);
        assertThat(answer.closes()).isTrue();
        assertThat(http.closedWithin(Duration.ofSeconds(5))).isTrue();
        writer.get();
    }

    @Test
    void closesConnectionsThatDoNotFinishTheirRequestInTime() throws IOException {
        List<RawHttp> halfOpen = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            halfOpen.add(
                    connect()
                            .send(
                                    "GET /app/"
                                            + HeraldProcess.APP_KEY
                                            + " HTTP/1.1\r\nHost: x\r\n"
                                            + "Upgrade: websocket\r\n"));
        }
        RawHttp silent = connect();
        long start = System.nanoTime();

        RawHttp.Response answer = halfOpen.get(0).read();
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.closes()).isTrue();
        for (RawHttp http : halfOpen) {
            assertThat(http.closedWithin(Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS + 3))).isTrue();
        }
        assertThat(silent.closedWithin(Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS + 3))).isTrue();
        assertThat((System.nanoTime() - start) / 1e9)
                .isGreaterThanOrEqualTo(REQUEST_TIMEOUT_SECONDS - 0.5);
    }

    @Test
    void keepsAKeepAliveConnectionThroughOrdinaryAnswersThenClosesItWhenIdle() throws IOException {
        RawHttp http = connect();
        RawHttp.Response unsigned =
                http.send(
                                "POST /apps/app-id/events HTTP/1.1\r\nHost: x\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                        .read();
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(unsigned.closes()).isFalse();
        assertThat(http.send("GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n").read().status())
                .isEqualTo(404);
        assertThat(http.closedWithin(Duration.ofSeconds(IDLE_TIMEOUT_SECONDS - 1)))
                .as("still open within the idle timeout, though past the request timeout")
                .isFalse();
        assertThat(http.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").read().status())
                .isEqualTo(200);
        long answered = System.nanoTime();

        assertThat(http.closedWithin(Duration.ofSeconds(IDLE_TIMEOUT_SECONDS + 3))).isTrue();
        assertThat((System.nanoTime() - answered) / 1e9)
                .isGreaterThanOrEqualTo(IDLE_TIMEOUT_SECONDS - 0.5);
    }

    @Test
    void theOpsPortHasTheSameBoundsAndDeadlines() throws Exception {
        RawHttp malformed = connectOps();
        RawHttp.Response answer =
                malformed
                        .send(
                                "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                        .read();
        assertThat(answer.status()).isEqualTo(400);
        assertThat(malformed.closedWithin(Duration.ofSeconds(3))).isTrue();

        assertRefusedAndClosed(
                connectOps(),
                "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n",
                431,
                "header fields too large");

        RawHttp slow = connectOps().send("GET /metrics HTTP/1.1\r\n");
        assertThat(slow.read().status()).isEqualTo(408);
        assertThat(slow.closedWithin(Duration.ofSeconds(3))).isTrue();
    }
}
