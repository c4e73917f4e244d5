package dev.herald.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * Turns an HTTP connection into a WebSocket one: runs the RFC 6455 handshake, then replaces the
 * HTTP handlers with the WebSocket ones and the caller's session handler. Knows nothing of Pusher.
 */
public final class WebSocketUpgrade {

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
                .closeOnProtocolViolation(true)
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
        p.addLast("ws-aggregator", new WebSocketFrameAggregator(maxFrameBytes));
        p.addLast("session", session);
        done.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                p.addFirst("activity", new ActivityHandler(activityTimeoutMillis, pongTimeoutMillis));
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
