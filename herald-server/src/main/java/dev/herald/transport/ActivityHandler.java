package dev.herald.transport;

import dev.herald.protocol.Frames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Liveness for WebSocket connections (docs/protocol.md §2.4). Any inbound bytes count as activity.
 * After {@code activityTimeout} without any, it sends a WebSocket ping frame, which every client
 * answers (the Java client never answers an application-level ping), and fires {@link #PROBE}; if
 * nothing at all arrives within {@code pongTimeout}, it fires {@link #TIMED_OUT} for the protocol
 * layer to close the connection. Placed first in the pipeline so it sees raw reads, and writes the
 * ping as a pre-framed buffer past the frame encoder.
 */
public final class ActivityHandler extends ChannelInboundHandlerAdapter {

    /** User event: the connection was idle and has been probed. */
    public static final Object PROBE =
            new Object() {
                @Override
                public String toString() {
                    return "ActivityHandler.PROBE";
                }
            };

    /** User event: the probe went unanswered. */
    public static final Object TIMED_OUT =
            new Object() {
                @Override
                public String toString() {
                    return "ActivityHandler.TIMED_OUT";
                }
            };

    private final long activityNanos;
    private final long pongNanos;
    private long lastReadNanos;
    private long probeSentNanos;
    private ScheduledFuture<?> timer;

    public ActivityHandler(long activityTimeoutMillis, long pongTimeoutMillis) {
        this.activityNanos = TimeUnit.MILLISECONDS.toNanos(activityTimeoutMillis);
        this.pongNanos = TimeUnit.MILLISECONDS.toNanos(pongTimeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastReadNanos = System.nanoTime();
        schedule(ctx, activityNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastReadNanos = System.nanoTime();
        ctx.fireChannelRead(msg);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (probeSentNanos != 0) {
            if (lastReadNanos - probeSentNanos >= 0) {
                probeSentNanos = 0;
            } else {
                if (now - probeSentNanos >= pongNanos) {
                    ctx.fireUserEventTriggered(TIMED_OUT);
                    return;
                }
                schedule(ctx, pongNanos - (now - probeSentNanos));
                return;
            }
        }
        long idle = now - lastReadNanos;
        if (idle < activityNanos) {
            schedule(ctx, activityNanos - idle);
            return;
        }
        probeSentNanos = now;
        ctx.writeAndFlush(Frames.wsPing(), ctx.voidPromise());
        ctx.fireUserEventTriggered(PROBE);
        schedule(ctx, pongNanos);
    }
}
