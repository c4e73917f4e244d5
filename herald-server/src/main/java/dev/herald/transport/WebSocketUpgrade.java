package dev.herald.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Turns an HTTP connection into a WebSocket one: runs the RFC 6455 handshake, then replaces the
 * HTTP handlers with the WebSocket ones and the caller's session handler. Knows nothing of Pusher.
 *
 * <p>The handshake is answered here rather than by Netty's {@code WebSocketServerHandshaker}: that
 * one needs a {@code FullHttpRequest} (it aggregates a bare request itself), and builds a factory,
 * a handshaker, a URL and a frame encoder per connection, where the request has already been
 * checked by {@link #accepts} and every frame is written pre-framed.
 */
public final class WebSocketUpgrade {

    private static final String DECODER = "wsdecoder";

    /** RFC 6455 section 1.3: appended to the client's key before hashing. */
    private static final byte[] ACCEPT_GUID =
            "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

    private static final FastThreadLocal<MessageDigest> SHA1 =
            new FastThreadLocal<>() {
                @Override
                protected MessageDigest initialValue() throws NoSuchAlgorithmException {
                    return MessageDigest.getInstance("SHA-1");
                }
            };

    private final WebSocketDecoderConfig decoderConfig;
    private final long activityTimeoutMillis;
    private final long pongTimeoutMillis;

    public WebSocketUpgrade(int maxFrameBytes, long activityTimeoutMillis, long pongTimeoutMillis) {
        this.decoderConfig =
                WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .expectMaskedFrames(true)
                        // violations reach the session as exceptions; it answers with a pre-framed
                        // close
                        .closeOnProtocolViolation(false)
                        .build();
        this.activityTimeoutMillis = activityTimeoutMillis;
        this.pongTimeoutMillis = pongTimeoutMillis;
    }

    /**
     * Checks that {@code req} is an RFC 6455 opening handshake this server can answer (GET, {@code
     * Connection: Upgrade}, {@code Upgrade: websocket}, version 13, a 16-byte key). If not, answers
     * 400 (426 with {@code Sec-WebSocket-Version: 13} for another version), closes the connection
     * and returns {@code false}: a refused handshake must not leave an HTTP connection open for the
     * next try.
     */
    public boolean accepts(ChannelHandlerContext ctx, HttpRequest req) {
        HttpHeaders headers = req.headers();
        String version = headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        String problem = null;
        if (!req.method().equals(HttpMethod.GET)) {
            problem = "WebSocket handshake must use GET, not " + req.method();
        } else if (!headers.containsValue(
                HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            problem = "WebSocket handshake needs the header Connection: Upgrade";
        } else if (!headers.containsValue(
                HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            problem = "WebSocket handshake needs the header Upgrade: websocket";
        } else if (version == null) {
            problem = "WebSocket handshake needs the header Sec-WebSocket-Version: 13";
        } else if (!version.trim().equals("13")) {
            HttpRefusal.send(
                    ctx,
                    HttpResponseStatus.UPGRADE_REQUIRED,
                    "Unsupported WebSocket version: only 13 (RFC 6455) is served",
                    HttpHeaderNames.SEC_WEBSOCKET_VERSION,
                    "13");
            return false;
        } else if (!isKey(headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
            problem = "WebSocket handshake needs a Sec-WebSocket-Key of 16 bytes in base64";
        }
        if (problem != null) {
            HttpRefusal.send(ctx, HttpResponseStatus.BAD_REQUEST, problem);
            return false;
        }
        return true;
    }

    private static boolean isKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Answers the handshake of a request {@link #accepts accepted}; on success the pipeline ends in
     * {@code session}, which receives {@link
     * io.netty.handler.codec.http.websocketx.WebSocketFrame}s and {@link ActivityHandler} events,
     * and must write pre-framed buffers.
     *
     * @param router the HTTP handler that received the request; removed from the pipeline
     */
    public void upgrade(
            ChannelHandlerContext ctx,
            HttpRequest req,
            ChannelHandler router,
            ChannelHandler session) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.SWITCHING_PROTOCOLS,
                        Unpooled.EMPTY_BUFFER);
        response.headers()
                .add(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                .add(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .add(
                        HttpHeaderNames.SEC_WEBSOCKET_ACCEPT,
                        accept(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY)));
        // encoded now, on this loop, by the HTTP codec (from here on nothing needs it), and not
        // flushed: the session's first frame (pusher:connection_established) leaves with it, one
        // write and one segment for both. A client reads frames after the 101 in the same read
        // (RFC 6455 section 4.1: the server may send frames once it has sent the answer).
        ChannelFuture written = ctx.channel().write(response);
        // a 101 that could not be written leaves nothing to talk to
        written.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        ChannelPipeline p = ctx.pipeline();
        if (p.get(HeraldChannelInitializer.AGGREGATOR) != null) {
            p.remove(HeraldChannelInitializer.AGGREGATOR);
        }
        p.addAfter(
                HeraldChannelInitializer.CODEC,
                DECODER,
                new WebSocket13FrameDecoder(decoderConfig));
        p.remove(router);
        p.addLast("session", session);
        // bytes the codec holds beyond the request (frames sent in the same read, which no client
        // that waits for the answer sends) go on to the frame decoder, and reach the session
        // before it starts: it drops them
        p.remove(HeraldChannelInitializer.CODEC);
        // the answer is on its way: ActivityHandler now owns liveness, so the HTTP deadlines end
        if (p.get(HeraldChannelInitializer.GUARD) != null) {
            p.remove(HeraldChannelInitializer.GUARD);
        }
        // right after the transport handlers (TLS, when on): it must see decrypted reads, and the
        // session's writes start from it, so they must still pass through TLS. No frame encoder:
        // every frame is written as complete bytes (the session joins fragmented messages).
        p.addBefore(
                DECODER, "activity", new ActivityHandler(activityTimeoutMillis, pongTimeoutMillis));
        p.fireUserEventTriggered(Upgraded.INSTANCE);
        // the session flushes its first frame; should it have written none, the answer goes alone
        ctx.channel().flush();
    }

    /** {@code Sec-WebSocket-Accept}: base64 of the SHA-1 of the client's key and the GUID. */
    static String accept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.update(key.getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1.digest(ACCEPT_GUID));
    }

    /** User event fired once the handshake response is written: the session may start talking. */
    public enum Upgraded {
        INSTANCE
    }
}
