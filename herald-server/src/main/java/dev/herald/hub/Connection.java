package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.limits.TokenBucket;
import dev.herald.metrics.AppMeters;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import dev.herald.protocol.RecoveryRequest;
import dev.herald.transport.ClosingHandshake;
import dev.herald.transport.SocketWriter;
import dev.herald.transport.UringSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection's Pusher state. Confined to the connection's event loop: every method is
 * called on it, except {@link #socketId()}, {@link #app()} and {@link #loopIndex()}, which are
 * immutable.
 *
 * <p>Outbound frames are complete WebSocket frames (see {@link dev.herald.protocol.Frames}); they
 * are written to the pipeline as bytes and pass the frame encoder untouched.
 */
public final class Connection {

    /** How long a closing connection may take to flush its close frame before it is cut. */
    private static final long CLOSE_GRACE_MILLIS = 2_000;

    /** How long a connection may stay past the high-water mark before it is a slow consumer. */
    private static final long SLOW_CHECK_MILLIS = 200;

    /** Queued bytes, in high-water marks, past which a connection is cut at once. */
    private static final int HARD_CAP_FACTOR = 8;

    private final String socketId;
    private final AppMeters meters;
    private final App app;
    private final ChannelHandlerContext ctx;

    /**
     * Sends fan-out frames past the pipeline when nothing is queued, or {@code null} (see {@link
     * SocketWriter}).
     */
    private final SocketWriter socketWriter;

    private final int loopIndex;
    private TokenBucket clientEvents;
    private final List<Subscription> subscriptions = new ArrayList<>(2);

    /** Subscriptions with a {@link Cursor}. */
    private int cursors;

    /** What a {@code pusher:herald_recovery} message asked for, or {@code null}. */
    private RecoveryRequest recoveryRequest;

    /**
     * The code of the close frame this side sent (the client's close is answered with {@code
     * 1000}); 0 while open. Not 0 means closing: nothing more is written but the close.
     */
    private int closeCode;

    private boolean slowCheckPending;
    private boolean flushPending;

    /**
     * Fan-out bytes written since the last flush, and the count at which they are flushed early.
     */
    private int unflushedBytes;

    private final int flushAtBytes;
    private boolean reading;
    private boolean flushAfterRead;

    /** Bytes ever written, and how many of them the kernel had taken at the last slow check. */
    private long writtenBytes;

    private long acceptedAtCheck;
    private boolean authorized;

    /** Slot in {@link LoopConnections}, or -1. */
    int registrySlot = -1;

    private SignedInUser user;

    public Connection(
            String socketId, App app, AppMeters meters, ChannelHandlerContext ctx, int loopIndex) {
        this.meters = meters;
        this.socketId = socketId;
        this.app = app;
        this.ctx = ctx;
        this.loopIndex = loopIndex;
        this.flushAtBytes = ctx.channel().config().getWriteBufferLowWaterMark();
        this.socketWriter = SocketWriter.of(ctx.channel());
        // the client-event bucket is made on first use: most connections never send one
    }

    public String socketId() {
        return socketId;
    }

    public App app() {
        return app;
    }

    public int loopIndex() {
        return loopIndex;
    }

    public TokenBucket clientEventBucket() {
        if (clientEvents == null) {
            clientEvents = new TokenBucket(app.limits().clientEventsPerSecond(), System.nanoTime());
        }
        return clientEvents;
    }

    /** The code of the close frame this side sent, or 0 if it sent none. */
    public int closeCode() {
        return closeCode;
    }

    public boolean isClosing() {
        return closeCode != 0;
    }

    /** Signed in, or subscribed to a private or presence channel (docs/protocol.md §4.2). */
    public boolean isAuthorized() {
        return authorized;
    }

    public void markAuthorized() {
        authorized = true;
    }

    /** The signed-in user, or {@code null}. */
    public SignedInUser user() {
        return user;
    }

    public void signIn(SignedInUser user) {
        this.user = user;
        this.authorized = true;
    }

    /**
     * Writes and flushes a frame this connection owns; dropped if the connection is closing. While
     * the client's messages are being read the flush waits for the end of the read, so answers to
     * messages that arrived together (a client's subscriptions) leave in one socket write.
     *
     * <p>Answers to the client's own messages count against the same bound as fan-out: past the
     * high-water mark the session stops reading (see {@link ConnectionHandler}), and a client that
     * does not take what is queued for it is closed as a slow consumer, so one that sends pings and
     * never reads cannot grow the heap.
     */
    public void send(ByteBuf frame) {
        if (write(frame)) {
            if (reading) {
                flushAfterRead = true;
            } else {
                ctx.flush();
            }
        }
    }

    /** Writes without flushing; {@code false} if the frame was dropped (closing or slow). */
    private boolean write(ByteBuf frame) {
        if (closeCode != 0) {
            frame.release();
            return false;
        }
        Channel channel = ctx.channel();
        if (!channel.isWritable() && isSlow(channel)) {
            frame.release();
            closeSlowConsumer();
            return false;
        }
        meters.messagesSent().increment();
        meters.bytesSent().increment(frame.readableBytes());
        writtenBytes += frame.readableBytes();
        ctx.write(frame, ctx.voidPromise());
        return true;
    }

    /**
     * Writes a frame this connection owns, like {@link #send}, but leaves the flush to {@link
     * #flush()}: a replay's frames leave in one socket write.
     */
    public void sendWithoutFlush(ByteBuf frame) {
        if (write(frame) && reading) {
            flushAfterRead = true;
        }
    }

    /** Flushes what {@link #sendWithoutFlush} wrote (at the end of the read if one is going on). */
    public void flush() {
        if (!reading) {
            ctx.flush();
        }
    }

    /** Whether the socket takes more now (below the high-water mark). */
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /**
     * Runs a task on this connection's loop after a delay; with 0, after the loop's next turn of
     * I/O (a scheduled task runs after it, an executed one could run before).
     */
    public void schedule(Runnable task, long delay, TimeUnit unit) {
        ctx.executor().schedule(task, delay, unit);
    }

    /**
     * What a {@code pusher:herald_recovery} message asked for, for the connection's later
     * subscriptions (docs/recovery.md), or {@code null}: then only a subscription that asks for
     * positions itself gets them.
     */
    public RecoveryRequest recoveryRequest() {
        return recoveryRequest;
    }

    public void recoveryRequest(RecoveryRequest request) {
        this.recoveryRequest = request;
    }

    /** The client's messages are being read; answers wait for {@link #endRead()}. */
    public void beginRead() {
        reading = true;
    }

    /** The read is over: flushes the answers written during it. */
    public void endRead() {
        reading = false;
        if (flushAfterRead) {
            flushAfterRead = false;
            ctx.flush();
        }
    }

    /** Runs a task on this connection's event loop (to come back from another thread). */
    public void execute(Runnable task) {
        ctx.executor().execute(task);
    }

    public AppMeters meters() {
        return meters;
    }

    /** What {@link #deliver} did with a frame. */
    enum Delivery {
        /** Closing, or closed now as a slow consumer. */
        DROPPED,
        /** Written to the socket whole: nothing to flush. */
        SENT,
        /** Queued in the pipeline; the caller flushes. */
        QUEUED,
        /** Queued, and this frame took the connection past the high-water mark. */
        QUEUED_PAST_MARK
    }

    /**
     * Delivers one fan-out frame. With {@code sendNow} and nothing queued before it, the frame goes
     * straight to the socket ({@link SocketWriter}); what the socket does not take, or any frame
     * otherwise, is queued in the pipeline for the caller to flush (see {@link LoopOutbox}), so
     * frames for one connection that wait together leave in one write.
     *
     * <p>A connection whose outbound buffer is past the high-water mark is a slow consumer: it is
     * closed with 4100 rather than allowed to grow the heap. Unflushed bytes are flushed early once
     * they reach the low-water mark, so what the slow-consumer rule sees is what the socket did not
     * take, not what the batch has not flushed yet.
     *
     * @param frame the shared frame; this takes its own reference when it queues it
     */
    Delivery deliver(ByteBuf frame, boolean sendNow) {
        if (closeCode != 0) {
            return Delivery.DROPPED;
        }
        if (sendNow && socketWriter != null) {
            return sent(frame, socketWriter.trySend(frame));
        }
        return queue(frame.retainedDuplicate());
    }

    /**
     * Whether {@link #deliver deliver(frame, true)} would send the frame straight to the socket:
     * then it may go in a batch of sends instead ({@link #addSend}).
     */
    boolean canSendNow(ByteBuf frame) {
        return closeCode == 0 && socketWriter != null && socketWriter.canSend(frame);
    }

    /** Adds the frame to a batch of sends; after {@link #canSendNow} said yes. */
    void addSend(UringSender batch, ByteBuf frame) {
        socketWriter.addTo(batch, frame);
    }

    /**
     * The rest of a delivery after a direct send that took {@code sent} bytes of the frame (-1:
     * none were tried): what the socket did not take is queued, to go before anything else.
     */
    Delivery sent(ByteBuf frame, int sent) {
        int bytes = frame.readableBytes();
        if (sent == bytes) {
            writtenBytes += bytes;
            return Delivery.SENT;
        }
        if (sent > 0) {
            writtenBytes += sent;
            return queue(frame.retainedSlice(frame.readerIndex() + sent, bytes - sent));
        }
        return queue(frame.retainedDuplicate());
    }

    private Delivery queue(ByteBuf copy) {
        Channel channel = ctx.channel();
        boolean writable = channel.isWritable();
        if (!writable && isSlow(channel)) {
            copy.release();
            closeSlowConsumer();
            return Delivery.DROPPED;
        }
        int bytes = copy.readableBytes();
        writtenBytes += bytes;
        ctx.write(copy, ctx.voidPromise());
        unflushedBytes += bytes;
        if (unflushedBytes >= flushAtBytes) {
            unflushedBytes = 0;
            ctx.flush(); // still on the batch's dirty list: its flush there finds nothing left
        }
        return writable && !channel.isWritable() ? Delivery.QUEUED_PAST_MARK : Delivery.QUEUED;
    }

    /**
     * Notes that unflushed fan-out frames wait; {@code true} the first time since the last flush.
     */
    boolean markFlushPending() {
        if (flushPending) {
            return false;
        }
        flushPending = true;
        return true;
    }

    void flushPending() {
        flushPending = false;
        unflushedBytes = 0;
        ctx.flush();
    }

    /**
     * Past the high-water mark. That alone does not make a slow consumer: with io_uring, bytes
     * already handed to the kernel count as queued until their completions are read on the loop's
     * next turn, so a burst passes the mark for a client that reads fine. A connection is slow when
     * it stays past the mark and the kernel takes none of its bytes for {@value #SLOW_CHECK_MILLIS}
     * ms, or at once past a hard cap of {@value #HARD_CAP_FACTOR} marks: memory stays bounded
     * either way.
     */
    private boolean isSlow(Channel channel) {
        long pending = pendingBytes(channel);
        if (pending < 0
                || pending > HARD_CAP_FACTOR * channel.config().getWriteBufferHighWaterMark()) {
            return true;
        }
        if (!slowCheckPending) {
            slowCheckPending = true;
            acceptedAtCheck = writtenBytes - pending;
            ctx.executor().schedule(new SlowCheck(this), SLOW_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
        return false;
    }

    private static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        return queued == null ? -1 : queued.totalPendingWriteBytes();
    }

    private void closeSlowConsumer() {
        if (closeCode != 0) {
            return;
        }
        meters.slowConsumerCloses().increment();
        close(PusherError.OVER_CAPACITY, "Slow consumer: outbound buffer full, reconnect");
    }

    private record SlowCheck(Connection connection) implements Runnable {
        @Override
        public void run() {
            Connection c = connection;
            c.slowCheckPending = false;
            Channel channel = c.ctx.channel();
            if (channel.isWritable() || c.closeCode != 0) {
                return;
            }
            long accepted = c.writtenBytes - pendingBytes(channel);
            if (accepted == c.acceptedAtCheck) {
                c.closeSlowConsumer(); // past the mark, and nothing left for the kernel since
            } else {
                c.isSlow(channel); // still behind but reading: look again later
            }
        }
    }

    /**
     * Sends {@code pusher:error} and, for fatal errors, a close frame with the same code, then
     * closes. The error message goes first because protocol &lt; 6 clients rely on it (protocol
     * §2.5).
     */
    public void close(PusherError error, String message) {
        if (closeCode != 0) {
            return;
        }
        closeCode = error.code();
        refuse(ctx, error, message);
    }

    /**
     * The fatal-error sequence, also used before a session exists: {@code pusher:error}, a close
     * frame with the same code, and a hard close if the client does not let the frames drain.
     */
    public static void refuse(ChannelHandlerContext ctx, PusherError error, String message) {
        ctx.write(Frames.error(error, message), ctx.voidPromise());
        sendCloseFrame(ctx, error.code(), message);
    }

    /**
     * The close frame, then the closing handshake, cut short after {@value #CLOSE_GRACE_MILLIS} ms.
     */
    private static void sendCloseFrame(ChannelHandlerContext ctx, int code, String reason) {
        sendCloseFrame(ctx, code, reason, ClosingHandshake.AFTER_CLOSE_FRAME);
    }

    /**
     * The close frame, then {@code afterWrite}; a client that stops reading with the frame queued
     * behind unsent ones is cut after {@value #CLOSE_GRACE_MILLIS} ms all the same.
     */
    private static void sendCloseFrame(
            ChannelHandlerContext ctx, int code, String reason, ChannelFutureListener afterWrite) {
        ctx.writeAndFlush(Frames.close(code, reason)).addListener(afterWrite);
        ctx.executor().schedule(new HardClose(ctx), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private record HardClose(ChannelHandlerContext ctx) implements Runnable {
        @Override
        public void run() {
            ctx.channel().close();
        }
    }

    /** Closes with a WebSocket close frame only (the client asked, or the frame was refused). */
    public void closeFrame(int code, String reason) {
        if (closeCode != 0) {
            return;
        }
        closeCode = code;
        sendCloseFrame(ctx, code, reason);
    }

    /**
     * Answers the client's own close frame. A client sends nothing after it (RFC 6455 section
     * 5.5.1), so no unread bytes can turn closing into a reset that loses the answer: the socket
     * closes as soon as the answer is written, without the half-close that {@link #closeFrame}
     * waits on (and its cost, a system call and an exception per connection).
     */
    public void answerClose(int code) {
        if (closeCode != 0) {
            return;
        }
        closeCode = code;
        sendCloseFrame(ctx, code, "", ChannelFutureListener.CLOSE);
    }

    /** Sends a non-fatal {@code pusher:error}; the connection stays open. */
    public void sendError(PusherError error, String message) {
        send(Frames.error(error, message));
    }

    // -- subscriptions, all on the event loop

    public List<Subscription> subscriptions() {
        return subscriptions;
    }

    /** Channels the client asked for; the server's own routing channels do not count. */
    public int clientSubscriptionCount() {
        int n = 0;
        for (int i = 0; i < subscriptions.size(); i++) {
            if (!subscriptions.get(i).channel().kind().isHidden()) {
                n++;
            }
        }
        return n;
    }

    public Subscription subscription(String channel) {
        for (int i = 0; i < subscriptions.size(); i++) {
            Subscription s = subscriptions.get(i);
            if (s.channel().name().equals(channel)) {
                return s;
            }
        }
        return null;
    }

    void addSubscription(Subscription subscription) {
        subscriptions.add(subscription);
        if (subscription.cursor() != null) {
            cursors++;
        }
    }

    void removeSubscription(Subscription subscription) {
        if (subscriptions.remove(subscription) && subscription.cursor() != null) {
            cursors--;
        }
    }

    /**
     * The cursor of this connection's subscription to {@code channel}, or {@code null}: one field
     * read for the connections that never asked for positions, which are nearly all.
     */
    Cursor cursor(LocalChannel channel) {
        if (cursors == 0) {
            return null;
        }
        for (int i = 0; i < subscriptions.size(); i++) {
            Subscription s = subscriptions.get(i);
            if (s.channel() == channel) {
                return s.cursor();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "Connection[" + app.id() + "/" + socketId + "]";
    }
}
