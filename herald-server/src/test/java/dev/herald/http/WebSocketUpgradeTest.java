package dev.herald.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.StaticAppStore;
import dev.herald.testing.SessionHarness;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket upgrade behind the real HTTP pipeline on an {@link EmbeddedChannel}: a bodiless
 * upgrade reaches the router as the decoder's request (nothing aggregated), is answered by {@link
 * WebSocketUpgrade} itself, and every refusal of a handshake keeps its status, message and close.
 */
class WebSocketUpgradeTest {

    private static final App APP = App.of("1", "key-1", "secret-1");

    /** RFC 6455 section 1.3's example key and the accept value it gives. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private final SessionHarness harness = new SessionHarness(2);
    private final List<Object> routed = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        harness.close();
    }

    private void open() {
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(APP)),
                        harness.context,
                        new WebSocketUpgrade(10_240, 120_000, 30_000),
                        () -> true,
                        () -> Health.OK,
                        harness.metrics,
                        () -> 1);
        channel = harness.nextChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(10_240, 10_000, 60_000), router, null));
        // what reaches the router, to tell the lean path from the aggregated one
        channel.pipeline()
                .addBefore(
                        "router",
                        "recorder",
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                routed.add(msg);
                                ctx.fireChannelRead(msg);
                            }
                        });
    }

    private String exchange(byte[] request) {
        channel.writeInbound(Unpooled.wrappedBuffer(request));
        return written();
    }

    private String written() {
        channel.runPendingTasks();
        StringBuilder text = new StringBuilder();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            text.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return text.toString();
    }

    private String exchange(String request) {
        return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String upgrade(String headers) {
        return "GET /app/key-1?protocol=7&client=js HTTP/1.1\r\nHost: localhost\r\n"
                + headers
                + "\r\n";
    }

    private static final String UPGRADE_HEADERS =
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n";

    private static final String SUBSCRIBE =
            "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}";

    /** A client's text frame: FIN, opcode 1, masked, as RFC 6455 requires of clients. */
    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x81);
        out.write(0x80 | payload.length);
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    private void assertRefused(String answer, String status, String message) {
        assertThat(answer)
                .startsWith("HTTP/1.1 " + status + " ")
                .containsIgnoringCase("connection: close")
                .contains(message);
        assertThat(harness.hub.openConnections()).isZero();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("closed after the refusal").isFalse();
    }

    @Test
    void aBodilessUpgradeReachesTheRouterUnaggregatedAndIsAnsweredWithTheRfcAccept() {
        open();
        String answer = exchange(upgrade(UPGRADE_HEADERS));

        assertThat(answer)
                .startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .containsIgnoringCase("upgrade: websocket\r\n")
                .containsIgnoringCase("connection: upgrade\r\n")
                .containsIgnoringCase("sec-websocket-accept: " + ACCEPT + "\r\n")
                .contains("pusher:connection_established");
        assertThat(routed).hasSize(1);
        assertThat(routed.get(0))
                .isInstanceOf(HttpRequest.class)
                .isNotInstanceOf(FullHttpRequest.class);
        assertThat(channel.pipeline().names())
                .contains("activity", "wsdecoder", "session")
                .doesNotContain("http", "http-aggregator", "http-guard", "router");
        assertThat(harness.hub.openConnections()).isEqualTo(1);
    }

    @Test
    void framesSentWithTheRequestBeforeTheAnswerAreDroppedAndTheConnectionGoesOn() {
        open();
        byte[] request = upgrade(UPGRADE_HEADERS).getBytes(StandardCharsets.ISO_8859_1);
        byte[] early = maskedText(SUBSCRIBE);
        byte[] both = new byte[request.length + early.length];
        System.arraycopy(request, 0, both, 0, request.length);
        System.arraycopy(early, 0, both, request.length, early.length);

        // a client that does not wait for the answer: what it said before is not answered
        String answer = exchange(both);
        assertThat(answer)
                .startsWith("HTTP/1.1 101 ")
                .contains("pusher:connection_established")
                .doesNotContain("subscription_succeeded");
        assertThat(channel.isOpen()).isTrue();

        assertThat(exchange(maskedText(SUBSCRIBE)))
                .contains("pusher_internal:subscription_succeeded");
    }

    @Test
    void anUpgradeWithABodyIsAggregatedWithinTheBoundAndStillUpgraded() {
        open();
        String answer = exchange(upgrade(UPGRADE_HEADERS + "Content-Length: 4\r\n") + "abcd");

        assertThat(answer).startsWith("HTTP/1.1 101 ").contains("pusher:connection_established");
        assertThat(routed).singleElement().isInstanceOf(FullHttpRequest.class);
    }

    @Test
    void anUpgradeWithABodyOverTheBoundIsRefused413() {
        open();
        assertRefused(
                exchange(upgrade(UPGRADE_HEADERS + "Content-Length: 20000\r\n")),
                "413",
                "Request body too large: at most 10240 bytes");
    }

    @Test
    void anUpgradeWithoutConnectionUpgradeIsRefused400() {
        open();
        assertRefused(
                exchange(
                        upgrade(
                                "Upgrade: websocket\r\nSec-WebSocket-Key: "
                                        + KEY
                                        + "\r\nSec-WebSocket-Version: 13\r\n")),
                "400",
                "WebSocket handshake needs the header Connection: Upgrade");
    }

    @Test
    void anUpgradeWithoutAVersionIsRefused400() {
        open();
        assertRefused(
                exchange(
                        upgrade(
                                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                                        + KEY
                                        + "\r\n")),
                "400",
                "WebSocket handshake needs the header Sec-WebSocket-Version: 13");
    }

    @Test
    void anUpgradeOfAnotherVersionIsRefused426NamingVersion13() {
        open();
        String answer =
                exchange(
                        upgrade(
                                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                                        + KEY
                                        + "\r\nSec-WebSocket-Version: 8\r\n"));
        assertThat(answer).containsIgnoringCase("sec-websocket-version: 13\r\n");
        assertRefused(answer, "426", "Unsupported WebSocket version: only 13 (RFC 6455) is served");
    }

    @Test
    void anUpgradeWithABadKeyIsRefused400() {
        open();
        assertRefused(
                exchange(
                        upgrade(
                                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                        + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n")),
                "400",
                "WebSocket handshake needs a Sec-WebSocket-Key of 16 bytes in base64");
    }

    @Test
    void anUpgradeByAnotherMethodIsNotAWebSocketAndIsRefused400() {
        open();
        String answer =
                exchange(
                        "POST /app/key-1 HTTP/1.1\r\nHost: localhost\r\n"
                                + UPGRADE_HEADERS
                                + "Content-Length: 0\r\n\r\n");
        assertThat(answer)
                .startsWith("HTTP/1.1 400 ")
                .contains("WebSocket endpoint: connect with a WebSocket client");
        assertThat(harness.hub.openConnections()).isZero();
    }

    @Test
    void anApiRequestWithUpgradeHeadersIsStillAnApiRequest() {
        open();
        String answer =
                exchange(
                        "GET /apps/1/channels HTTP/1.1\r\nHost: localhost\r\n"
                                + UPGRADE_HEADERS
                                + "\r\n");
        assertThat(answer).startsWith("HTTP/1.1 401 ").contains("Missing auth_key");
        assertThat(channel.isOpen()).isTrue();
        // it came unaggregated, as every bodiless upgrade does, and was served with an empty body
        assertThat(routed).singleElement().isNotInstanceOf(FullHttpRequest.class);
    }

    @Test
    void anUpgradeWithABadEscapeInItsUriIsRefused400() {
        open();
        String answer =
                exchange(
                        "GET /app/key-1?protocol=%zz HTTP/1.1\r\nHost: localhost\r\n"
                                + UPGRADE_HEADERS
                                + "\r\n");
        assertThat(answer)
                .startsWith("HTTP/1.1 400 ")
                .contains("Malformed request URI: bad percent-encoding");
        assertThat(harness.hub.openConnections()).isZero();
    }

    @Test
    void anUpgradeWithHeadersOverTheBoundIsRefused431() {
        open();
        assertRefused(
                exchange(upgrade(UPGRADE_HEADERS + "X-Padding: " + "a".repeat(9000) + "\r\n")),
                "431",
                "Request header fields too large: at most 8192 bytes in all");
    }

    @Test
    void anUpgradeWithARequestLineOverTheBoundIsRefused414() {
        open();
        assertRefused(
                exchange(
                        "GET /app/key-1?x="
                                + "a".repeat(5000)
                                + " HTTP/1.1\r\nHost: localhost\r\n"
                                + UPGRADE_HEADERS
                                + "\r\n"),
                "414",
                "Request line too long: at most 4096 bytes");
    }

    @Test
    void anUpgradeThatIsNotCompletedInTimeIsClosed() {
        open();
        exchange("GET /app/key-1 HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n");
        channel.advanceTimeBy(11, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(written()).startsWith("HTTP/1.1 408 ");
        assertThat(harness.hub.openConnections()).isZero();
    }
}
