package dev.herald.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.protocol.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * Writing JSON responses, keep-alive aware. Success is always 200 with a JSON body
 * (docs/protocol.md §5.1).
 */
final class Responses {

    private static final byte[] EMPTY_OBJECT = {'{', '}'};

    private Responses() {}

    static void ok(ChannelHandlerContext ctx, HttpRequest req) {
        send(ctx, req, HttpResponseStatus.OK, Unpooled.wrappedBuffer(EMPTY_OBJECT));
    }

    /**
     * A probe's answer: 200 and {@code {key: whenReady}} while the node is ready, else 503 and
     * {@code {key: otherwise}}.
     */
    static void probe(
            ChannelHandlerContext ctx,
            HttpRequest req,
            boolean ready,
            String key,
            String whenReady,
            String otherwise) {
        json(
                ctx,
                req,
                ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                Map.of(key, ready ? whenReady : otherwise));
    }

    static void json(
            ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, Object body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response body is not serialisable", e);
        }
        send(ctx, req, status, Unpooled.wrappedBuffer(bytes));
    }

    static void error(ChannelHandlerContext ctx, HttpRequest req, int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", message);
        body.put("status", status);
        json(ctx, req, HttpResponseStatus.valueOf(status), body);
    }

    static void send(
            ChannelHandlerContext ctx,
            HttpRequest req,
            HttpResponseStatus status,
            ByteBuf content) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (keepAlive) {
            if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
