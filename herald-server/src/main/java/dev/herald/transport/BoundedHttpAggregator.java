package dev.herald.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Joins a request and its body up to a bound. An oversized request is passed on as a failed request
 * instead of being answered here, so that {@link HttpConnectionGuard} answers it (413, then close)
 * in its turn behind any request still being answered; Netty's own handling would answer out of
 * order and keep reading a huge body to its end on a keep-alive connection.
 */
final class BoundedHttpAggregator extends HttpObjectAggregator {

    private final int maxBodyBytes;

    BoundedHttpAggregator(int maxBodyBytes) {
        // true: an 'Expect: 100-continue' for too large a body is answered 413 and the connection
        // closed
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.close();
            return;
        }
        FullHttpRequest refused =
                new DefaultFullHttpRequest(
                        request.protocolVersion(),
                        request.method(),
                        request.uri(),
                        Unpooled.EMPTY_BUFFER);
        refused.setDecoderResult(
                DecoderResult.failure(
                        new TooLongHttpContentException(
                                "Request body too large: at most " + maxBodyBytes + " bytes")));
        // the rest of the body is discarded as it comes; nothing more is worth reading
        ctx.channel().config().setAutoRead(false);
        ctx.fireChannelRead(refused);
    }
}
