package dev.herald.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * Every accepted connection starts as HTTP: codec, aggregator (bounded by the largest accepted
 * body), then the router, which serves the API or upgrades to WebSocket and replaces the HTTP
 * handlers (see {@link WebSocketUpgrade}).
 */
public final class HeraldChannelInitializer extends ChannelInitializer<Channel> {

    private final int maxHttpBodyBytes;
    private final ChannelHandler router;
    private final SslContext tls;

    /**
     * @param tls the server's TLS context, or {@code null} for plain text
     */
    public HeraldChannelInitializer(int maxHttpBodyBytes, ChannelHandler router, SslContext tls) {
        this.maxHttpBodyBytes = maxHttpBodyBytes;
        this.router = router;
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        p.addLast("http", new HttpServerCodec());
        p.addLast("http-aggregator", new HttpObjectAggregator(maxHttpBodyBytes));
        p.addLast("router", router);
    }
}
