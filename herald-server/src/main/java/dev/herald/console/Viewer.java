package dev.herald.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityFeed;
import dev.herald.limits.TokenBucket;
import dev.herald.protocol.Json;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One person watching one app's debug stream: a Server-Sent Events response that stays open.
 *
 * <p>A viewer is a client like any other and gets no more than a client would: events beyond {@link
 * #MAX_EVENTS_PER_SECOND}, or beyond {@link #MAX_QUEUED_BYTES} not yet taken by the socket, are
 * counted and not queued, and the stream says how many it dropped once it can. The thread that
 * recorded an event (an event loop serving clients) takes a token, encodes what the token admits
 * and hands it to the viewer's own loop, so fan-out never waits for a viewer and what waits for the
 * socket is bounded in bytes, exactly.
 */
final class Viewer {

    static final int MAX_EVENTS_PER_SECOND = 200;
    static final long MAX_QUEUED_BYTES = 1 << 20;
    static final long KEEP_ALIVE_SECONDS = 15;
    static final int STALLED_KEEP_ALIVES = 4;

    private final Channel channel;
    private final TokenBucket rate;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private ActivityFeed.Viewing viewing;
    private ScheduledFuture<?> keepAlive;
    private int stalled;

    /** Counts every dropped event on the node, for {@code herald_console_events_dropped_total}. */
    private final Counter droppedMeter;

    Viewer(Channel channel, Counter droppedMeter) {
        this.channel = channel;
        this.droppedMeter = droppedMeter;
        this.rate =
                new TokenBucket(MAX_EVENTS_PER_SECOND, MAX_EVENTS_PER_SECOND, System.nanoTime());
    }

    /** Answers the request with the stream's head and starts watching; on the viewer's loop. */
    void start(ActivityFeed feed, String appId, Runnable onClose) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Accel-Buffering", "no"); // nginx would otherwise hold events back
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.write(head, channel.voidPromise());
        channel.writeAndFlush(text(": watching " + appId + "\n\n"), channel.voidPromise());
        viewing = feed.watch(appId, this::offer);
        keepAlive =
                channel.eventLoop()
                        .scheduleAtFixedRate(
                                this::keepAlive,
                                KEEP_ALIVE_SECONDS,
                                KEEP_ALIVE_SECONDS,
                                TimeUnit.SECONDS);
        channel.closeFuture()
                .addListener(
                        f -> {
                            viewing.close();
                            keepAlive.cancel(false);
                            onClose.run();
                        });
    }

    /**
     * A comment line that keeps proxies from timing the stream out; a viewer that has taken nothing
     * for {@link #STALLED_KEEP_ALIVES} of them in a row is closed rather than kept on.
     */
    private void keepAlive() {
        if (channel.isWritable()) {
            stalled = 0;
            channel.writeAndFlush(text(": keep-alive\n\n"), channel.voidPromise());
        } else if (++stalled >= STALLED_KEEP_ALIVES) {
            channel.close();
        }
    }

    /**
     * Called on the recording thread: takes a token, then encodes the event (at most {@link
     * #MAX_EVENTS_PER_SECOND} a second) and takes its exact size from the queue's share, or drops.
     */
    void offer(ActivityEvent event) {
        boolean admitted;
        synchronized (rate) {
            admitted = rate.tryAcquire(System.nanoTime());
        }
        if (!admitted) {
            drop();
            return;
        }
        byte[] frame =
                ("event: activity\ndata: " + json(event) + "\n\n").getBytes(StandardCharsets.UTF_8);
        if (queuedBytes.addAndGet(frame.length) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-frame.length);
            drop();
            return;
        }
        channel.eventLoop().execute(() -> write(frame));
    }

    private void drop() {
        dropped.incrementAndGet();
        droppedMeter.increment();
    }

    private void write(byte[] frame) {
        if (!channel.isActive()) {
            queuedBytes.addAndGet(-frame.length);
            return;
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            channel.write(text("event: dropped\ndata: {\"count\":" + lost + "}\n\n"));
        }
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)))
                .addListener(
                        (ChannelFutureListener)
                                f -> {
                                    queuedBytes.addAndGet(-frame.length);
                                    if (!f.isSuccess()) {
                                        f.channel().close();
                                    }
                                });
    }

    static String json(ActivityEvent e) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("time", e.time());
        node.put("node", e.node());
        node.put("app", e.app());
        node.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
        node.put("socket_id", e.socketId());
        node.put("channel", e.channel());
        node.put("event", e.event());
        node.put("data_bytes", e.dataBytes());
        node.put("data", e.data());
        node.set("details", Json.MAPPER.valueToTree(e.details()));
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("an activity event is always serialisable", ex);
        }
    }

    private static DefaultHttpContent text(String s) {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8)));
    }
}
