package dev.herald.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.Base64;

/**
 * Turns an HTTP connection into a WebSocket one: runs the RFC 6455 handshake, then replaces the
 * HTTP handlers with the WebSocket ones and the caller's session handler. Knows nothing of Pusher.
 */
public final class WebSocketUpgrade {

    private static final String ENCODER = "wsencoder";
    private static final String DECODER = "wsdecoder";

    private final int maxFrameBytes;
    private final long activityTimeoutMillis;
    private final long pongTimeoutMillis;

    public WebSocketUpgrade(int maxFrameBytes, long activityTimeoutMillis, long pongTimeoutMillis) {
        this.maxFrameBytes = maxFrameBytes;
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
    public boolean accepts(ChannelHandlerContext ctx, FullHttpRequest req) {
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
            FullHttpRequest req,
            ChannelHandler router,
            ChannelHandler session) {
        String location =
                "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketDecoderConfig decoderConfig =
                WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .expectMaskedFrames(true)
                        // violations reach the session as exceptions; it answers with a pre-framed
                        // close
                        .closeOnProtocolViolation(false)
                        .build();
        WebSocketServerHandshakerFactory factory =
                new WebSocketServerHandshakerFactory(location, null, decoderConfig);
        WebSocketServerHandshaker handshaker = factory.newHandshaker(req);
        if (handshaker == null) {
            HttpRefusal.send(
                    ctx,
                    HttpResponseStatus.UPGRADE_REQUIRED,
                    "Unsupported WebSocket version: only 13 (RFC 6455) is served",
                    HttpHeaderNames.SEC_WEBSOCKET_VERSION,
                    "13");
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        ChannelFuture done;
        try {
            done = handshaker.handshake(ctx.channel(), req);
        } catch (WebSocketHandshakeException e) {
            HttpRefusal.send(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "WebSocket handshake refused: " + e.getMessage());
            return;
        }
        p.remove(router);
        p.addLast("session", session);
        done.addListener(
                (ChannelFutureListener)
                        f -> {
                            if (f.isSuccess()) {
                                // a WebSocket now: ActivityHandler owns liveness, and the HTTP
                                // deadlines end
                                if (p.get(HeraldChannelInitializer.GUARD) != null) {
                                    p.remove(HeraldChannelInitializer.GUARD);
                                }
                                // every frame we send is written as complete bytes: the frame
                                // encoder would only
                                // cost a handler per connection (fragmented messages are joined by
                                // the session)
                                if (p.get(ENCODER) != null) {
                                    p.remove(ENCODER);
                                }
                                // right after the transport handlers (TLS, when on): it must see
                                // decrypted reads, and
                                // the session's writes start from it, so they must still pass
                                // through TLS
                                p.addBefore(
                                        DECODER,
                                        "activity",
                                        new ActivityHandler(
                                                activityTimeoutMillis, pongTimeoutMillis));
                                p.fireUserEventTriggered(Upgraded.INSTANCE);
                            } else {
                                f.channel().close();
                            }
                        });
    }

    /** User event fired once the handshake response is written: the session may start talking. */
    public enum Upgraded {
        INSTANCE
    }
}
