package dev.herald.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Joins a request and its body up to a bound. An oversized request is passed on as a failed request
 * instead of being answered here, so that {@link HttpConnectionGuard} answers it (413, then close)
 * in its turn behind any request still being answered; Netty's own handling would answer out of
 * order and keep reading a huge body to its end on a keep-alive connection.
 *
 * <p>With {@code passUpgrades}, a WebSocket upgrade request that has no body (a GET with {@code
 * Upgrade: websocket}, no {@code Content-Length} other than 0, no {@code Transfer-Encoding}, no
 * {@code Expect}) is passed on as the decoder's {@link HttpRequest}, without its empty end: nothing
 * is aggregated, copied or allocated for it. Every other request, an upgrade with a body included,
 * is aggregated as before, within the same bound.
 */
final class BoundedHttpAggregator extends HttpObjectAggregator {

    private final int maxBodyBytes;
    private final boolean passUpgrades;

    /**
     * A bodiless upgrade whose end (the decoder's empty {@link LastHttpContent}) has not come yet:
     * it is passed on with that end, so that nothing of it reaches the handlers that the upgrade
     * puts in place.
     */
    private HttpRequest held;

    BoundedHttpAggregator(int maxBodyBytes, boolean passUpgrades) {
        // true: an 'Expect: 100-continue' for too large a body is answered 413 and the connection
        // closed
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
        this.passUpgrades = passUpgrades;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (held != null) {
            HttpRequest request = held;
            held = null;
            if (msg instanceof LastHttpContent end
                    && !end.content().isReadable()
                    && end.trailingHeaders().isEmpty()) {
                end.release();
                ctx.fireChannelRead(request);
                return;
            }
            // the decoder ends a request without a body at once, so this does not happen; were it
            // to, the request is aggregated as any other
            super.channelRead(ctx, request);
        } else if (passUpgrades
                && msg instanceof HttpRequest request
                && !(msg instanceof FullHttpRequest)
                && isBodilessUpgrade(request)) {
            held = request;
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** What a WebSocket client sends: no body to bound, no expectation to answer. */
    static boolean isBodilessUpgrade(HttpRequest request) {
        if (!request.decoderResult().isSuccess() || !HttpMethod.GET.equals(request.method())) {
            return false;
        }
        HttpHeaders headers = request.headers();
        if (!headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                || headers.contains(HttpHeaderNames.EXPECT)) {
            return false;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null || length.equals("0");
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
