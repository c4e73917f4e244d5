package dev.herald.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

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
     * Answers the handshake; on success the pipeline ends in {@code session}, which receives
     * {@link io.netty.handler.codec.http.websocketx.WebSocketFrame}s and {@link ActivityHandler}
     * events, and must write pre-framed buffers.
     *
     * @param router the HTTP handler that received the request; removed from the pipeline
     */
    public void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, ChannelHandler router, ChannelHandler session) {
        String location = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .allowExtensions(false)
                .expectMaskedFrames(true)
                // violations reach the session as exceptions; it answers with a pre-framed close
                .closeOnProtocolViolation(false)
                .build();
        WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory(location, null, decoderConfig);
        WebSocketServerHandshaker handshaker = factory.newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        ChannelFuture done = handshaker.handshake(ctx.channel(), req);
        p.remove(router);
        p.addLast("session", session);
        done.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                // every frame we send is written as complete bytes: the frame encoder would only
                // cost a handler per connection (fragmented messages are joined by the session)
                if (p.get(ENCODER) != null) {
                    p.remove(ENCODER);
                }
                // right after the transport handlers (TLS, when on): it must see decrypted reads, and
                // the session's writes start from it, so they must still pass through TLS
                p.addBefore(DECODER, "activity", new ActivityHandler(activityTimeoutMillis, pongTimeoutMillis));
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
