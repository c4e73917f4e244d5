package dev.herald.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * Every accepted connection starts as HTTP: codec, aggregator (bounded by the largest accepted
 * body), the connection guard (deadlines, one request at a time, refusals of unreadable requests),
 * then the router, which serves the API or upgrades to WebSocket and replaces the HTTP handlers
 * (see {@link WebSocketUpgrade}). A WebSocket upgrade without a body passes the aggregator as the
 * decoder made it (see {@link BoundedHttpAggregator}), so the router receives an {@link
 * io.netty.handler.codec.http.HttpRequest} for it and a {@link
 * io.netty.handler.codec.http.FullHttpRequest} for everything else.
 */
public final class HeraldChannelInitializer extends ChannelInitializer<Channel> {

    /** Handler name of the {@link HttpConnectionGuard}, which the WebSocket upgrade removes. */
    static final String GUARD = "http-guard";

    /** Handler names of the HTTP codec and the aggregator, which the WebSocket upgrade removes. */
    static final String CODEC = "http";

    static final String AGGREGATOR = "http-aggregator";

    private final HttpLimits limits;
    private final ChannelHandler router;
    private final SslContext tls;
    private final boolean upgrades;

    /**
     * A port that serves WebSocket upgrades: the router handles bodiless upgrade requests as {@link
     * io.netty.handler.codec.http.HttpRequest}s.
     *
     * @param tls the server's TLS context, or {@code null} for plain text
     */
    public HeraldChannelInitializer(HttpLimits limits, ChannelHandler router, SslContext tls) {
        this(limits, router, tls, true);
    }

    /**
     * @param tls the server's TLS context, or {@code null} for plain text
     * @param upgrades whether bodiless WebSocket upgrades skip the aggregator; {@code false} on a
     *     port whose router takes only {@link io.netty.handler.codec.http.FullHttpRequest}s
     */
    public HeraldChannelInitializer(
            HttpLimits limits, ChannelHandler router, SslContext tls, boolean upgrades) {
        this.limits = limits;
        this.router = router;
        this.tls = tls;
        this.upgrades = upgrades;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        p.addLast(CODEC, new HttpServerCodec(decoderConfig()));
        p.addLast(AGGREGATOR, new BoundedHttpAggregator(limits.maxBodyBytes(), upgrades));
        p.addLast(
                GUARD,
                new HttpConnectionGuard(limits.requestTimeoutMillis(), limits.idleTimeoutMillis()));
        p.addLast("router", router);
    }

    /**
     * Netty's defaults already refuse the request-smuggling shapes (Content-Length with
     * Transfer-Encoding, a final coding other than chunked, chunked twice, differing or repeated
     * Content-Length, bare LF line ends); they are set here explicitly so that a system property
     * cannot loosen them.
     */
    static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(HttpLimits.MAX_REQUEST_LINE_BYTES)
                .setMaxHeaderSize(HttpLimits.MAX_HEADER_BYTES)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true);
    }
}
