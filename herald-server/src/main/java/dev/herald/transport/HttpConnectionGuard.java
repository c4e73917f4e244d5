package dev.herald.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The discipline of one HTTP/1.1 connection, from accept until it becomes a WebSocket (then {@link
 * WebSocketUpgrade} removes it):
 *
 * <ul>
 *   <li>one request at a time reaches the router, and the next only once the previous one is
 *       answered, so pipelined requests are answered in order even when an answer completes later
 *       on another thread; reading stops while requests wait, and at most {@link
 *       HttpLimits#MAX_PIPELINED_REQUESTS} wait;
 *   <li>a request the codec could not read (malformed, too large) is answered here with why, and
 *       the connection closes, since its framing can no longer be trusted;
 *   <li>deadlines: a whole request (and a WebSocket handshake) within the request timeout from
 *       connect or from its first bytes, and the next request within the idle timeout.
 * </ul>
 *
 * Sits between the aggregator and the router; one instance per connection, on its event loop.
 */
public final class HttpConnectionGuard extends ChannelDuplexHandler {

    private enum Deadline {
        NONE,
        REQUEST,
        IDLE,
        HANDSHAKE
    }

    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final ArrayDeque<HttpRequest> waiting = new ArrayDeque<>();

    /** A request was passed to the router and its answer is not written yet. */
    private boolean answering;

    /** Too many pipelined requests: close once the waiting ones are answered. */
    private boolean closeWhenDrained;

    /** Reading was stopped here and must be resumed here. */
    private boolean pausedReading;

    /** Some bytes arrived since the last answer (so a 408 has someone to read it). */
    private boolean bytesSinceAnswer;

    private boolean requestThisRead;

    /** The last answer said {@code Connection: close}. */
    private boolean closing;

    private Deadline deadline = Deadline.NONE;
    private ScheduledFuture<?> timer;

    public HttpConnectionGuard(long requestTimeoutMillis, long idleTimeoutMillis) {
        this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx, Deadline.REQUEST); // a client connects to send a request: the clock starts now
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (deadline == Deadline.NONE && !answering) {
            arm(ctx, Deadline.REQUEST);
        }
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
        releaseWaiting();
        if (pausedReading) {
            pausedReading = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        releaseWaiting();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // a whole request: aggregated, or a bodiless WebSocket upgrade (BoundedHttpAggregator)
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg); // WebSocket frames racing the handshake's completion
            return;
        }
        requestThisRead = true;
        bytesSinceAnswer = true;
        if (deadline == Deadline.REQUEST || deadline == Deadline.IDLE) {
            disarm(); // complete: now it is the server's turn
        }
        if (closing) {
            ReferenceCountUtil.release(request);
            return;
        }
        if (!answering && waiting.isEmpty()) {
            dispatch(ctx, request);
            return;
        }
        if (closeWhenDrained || waiting.size() >= HttpLimits.MAX_PIPELINED_REQUESTS) {
            closeWhenDrained = true;
            ReferenceCountUtil.release(request);
        } else {
            waiting.add(request);
        }
        pauseReading(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!requestThisRead) {
            bytesSinceAnswer = true;
            if (deadline == Deadline.IDLE) {
                arm(ctx, Deadline.REQUEST); // the first bytes of the next request
            }
        }
        requestThisRead = false;
        ctx.fireChannelReadComplete();
    }

    private void dispatch(ChannelHandlerContext ctx, HttpRequest request) {
        answering = true;
        bytesSinceAnswer = false;
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            ReferenceCountUtil.release(request);
            disarm();
            releaseWaiting();
            HttpRefusal.undecodable(ctx, cause);
            return;
        }
        ctx.fireChannelRead(request);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res
                && res.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            // a WebSocket handshake: nothing may follow it as HTTP, and it must finish in time
            releaseWaiting();
            answering = false;
            ctx.write(msg, promise);
            arm(ctx, Deadline.HANDSHAKE);
            return;
        }
        if (msg instanceof HttpResponse res && !HttpUtil.isKeepAlive(res)) {
            closing = true; // the connection ends with this answer: nothing waiting will be served
            releaseWaiting();
        }
        boolean answered = msg instanceof LastHttpContent && answering;
        ctx.write(msg, promise);
        if (answered) {
            answered(ctx);
        }
    }

    /** The answer to the current request is written (not necessarily sent): serve the next one. */
    private void answered(ChannelHandlerContext ctx) {
        answering = false;
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        HttpRequest next = waiting.poll();
        if (next != null) {
            dispatch(ctx, next);
            return;
        }
        if (closeWhenDrained) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // measured from the answer: a client that does not read its answers is closed in time too
        arm(ctx, bytesSinceAnswer ? Deadline.REQUEST : Deadline.IDLE);
        if (pausedReading) {
            pausedReading = false;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    private void pauseReading(ChannelHandlerContext ctx) {
        if (!pausedReading && ctx.channel().config().isAutoRead()) {
            pausedReading = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void arm(ChannelHandlerContext ctx, Deadline kind) {
        disarm();
        deadline = kind;
        long delay = kind == Deadline.IDLE ? idleTimeoutNanos : requestTimeoutNanos;
        timer = ctx.executor().schedule(() -> expired(ctx, kind), delay, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        deadline = Deadline.NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired(ChannelHandlerContext ctx, Deadline kind) {
        if (deadline != kind || !ctx.channel().isActive()) {
            return;
        }
        timer = null;
        deadline = Deadline.NONE;
        if (kind == Deadline.REQUEST && bytesSinceAnswer) {
            HttpRefusal.send(
                    ctx,
                    HttpResponseStatus.REQUEST_TIMEOUT,
                    "Request not received in time: send the "
                            + "whole request within "
                            + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos)
                            + " ms");
        } else {
            // nothing begun (idle, or connected and silent), or a handshake whose answer the client
            // never takes
            ctx.close();
        }
    }

    private void releaseWaiting() {
        HttpRequest request;
        while ((request = waiting.poll()) != null) {
            ReferenceCountUtil.release(request);
        }
    }
}
