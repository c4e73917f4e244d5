package dev.herald.http;

import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.ClientInput;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operations port: {@code /metrics} for Prometheus, {@code /health} (liveness: 503 while an
 * event loop is stuck) and {@code /ready}, and what the composition root mounts beside them (the
 * console), each {@link Route} under a path of its own.
 */
@ChannelHandler.Sharable
public final class OpsRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HeraldMetrics metrics;
    private final BooleanSupplier ready;
    private final Supplier<Health> health;
    private final List<Route> routes;

    /**
     * What answers every request under a path on the ops port, on the port's event loop. It owns
     * the request only while called: to answer later, it retains what it needs.
     */
    public interface Route {

        /** The path this route serves, and everything under it ({@code /console}). */
        String path();

        void handle(ChannelHandlerContext ctx, FullHttpRequest req);
    }

    public OpsRouter(
            HeraldMetrics metrics,
            BooleanSupplier ready,
            Supplier<Health> health,
            List<Route> routes) {
        this.metrics = metrics;
        this.ready = ready;
        this.health = health;
        this.routes = List.copyOf(routes);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        for (Route route : routes) {
            if (path.equals(route.path()) || path.startsWith(route.path() + "/")) {
                route.handle(ctx, req);
                return;
            }
        }
        switch (path) {
            case "/metrics" -> {
                byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                FullHttpResponse res =
                        new DefaultFullHttpResponse(
                                HttpVersion.HTTP_1_1,
                                HttpResponseStatus.OK,
                                Unpooled.wrappedBuffer(body));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT);
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                if (HttpUtil.isKeepAlive(req)) {
                    ctx.writeAndFlush(res, ctx.voidPromise());
                } else {
                    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                }
            }
            case "/health" -> {
                Health verdict = health.get();
                Responses.json(ctx, req, verdict.status(), verdict.body());
            }
            case "/ready" -> {
                Responses.probe(ctx, req, ready.getAsBoolean(), "status", "ready", "not ready");
            }
            default ->
                    Responses.error(
                            ctx,
                            req,
                            404,
                            "Not found: "
                                    + ClientInput.quote(path)
                                    + " (try /metrics, /health or /ready)");
        }
    }
}
