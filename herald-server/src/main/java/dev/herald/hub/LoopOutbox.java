package dev.herald.hub;

import dev.herald.metrics.AppMeters;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import dev.herald.transport.UringSender;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publications waiting to be written to the subscribers on one event loop.
 *
 * <p>Publishers on any thread append; one drain task at a time runs on the loop, writes every
 * waiting publication to its shard without flushing, then flushes each touched connection once.
 * While the loop is busy, publications pile up and the next drain writes them together: a
 * subscriber of k waiting publications gets them in one socket write instead of k. The kernel's
 * per-write cost is most of a delivery's cost, so the busier the loop, the cheaper each delivery
 * becomes, instead of the queue growing until latency breaks. An idle loop drains each publication
 * on its own, so nothing waits for company.
 *
 * <p>The last publication waiting in a drain goes straight to the sockets of subscribers that have
 * nothing queued ({@link Connection#deliver}): nothing later in the drain could share their write,
 * so the pipeline's queueing and flush would be pure overhead. With the loop's io_uring batch
 * ({@link UringSender}) those sends leave together, in one system call for up to {@link
 * UringSender#CAPACITY} sockets. Subscribers that received an earlier publication of the same drain
 * still get everything in one flush.
 *
 * <p>Order is kept: the queue is FIFO, and each connection receives its frames in queue order.
 *
 * <p>A drain ends early when a subscriber goes past its high-water mark, and the next one waits for
 * the loop's next turn of I/O: the bytes a batch queues must not make a reader that keeps up look
 * like a slow consumer before its socket has had a chance to take them.
 */
final class LoopOutbox implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LoopOutbox.class);

    /** One publication for one loop's shard of a channel. */
    private record Pending(
            LocalChannel channel, EncodedEvent event, String exclude, AppMeters meters) {}

    /**
     * Publications written per drain before it flushes and yields the loop: under a flood a drain
     * must end, so that flushes, reads and other tasks still run.
     */
    static final int MAX_BATCH = 64;

    private final int loop;
    private final EventExecutor executor;
    private final Queue<Pending> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** Connections written to in this drain and not yet flushed; only touched on the loop. */
    private Connection[] dirty = new Connection[64];

    private int dirtyCount;

    /** The loop's batch of sends, or {@code null}: one send per socket. */
    private UringSender sends;

    /** The connections and frames of the sends in the batch, by index; only touched on the loop. */
    private final Connection[] batched;

    private final ByteBuf[] batchedFrames;

    /** The current publication's deliveries, and whether one went past its high-water mark. */
    private int delivered;

    private boolean pastMark;

    /**
     * @param sends the loop's io_uring batch, or {@code null} to send one socket at a time
     */
    LoopOutbox(int loop, EventExecutor executor, UringSender sends) {
        this.loop = loop;
        this.executor = executor;
        this.sends = sends;
        int capacity = sends == null ? 0 : UringSender.CAPACITY;
        this.batched = new Connection[capacity];
        this.batchedFrames = new ByteBuf[capacity];
    }

    /**
     * Queues a publication for this loop's subscribers of {@code channel}; takes one reference to
     * the event.
     */
    void add(LocalChannel channel, EncodedEvent event, String exclude, AppMeters meters) {
        queue.add(new Pending(channel, event, exclude, meters));
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            executor.execute(this);
        }
    }

    /** The drain task. */
    @Override
    public void run() {
        // cleared first: a publication added from here on is either drained below or schedules the
        // next drain
        scheduled.set(false);
        boolean backedUp = false;
        try {
            Pending p;
            for (int i = 0; i < MAX_BATCH && !backedUp && (p = queue.poll()) != null; i++) {
                // the last one waiting goes straight to the sockets that have nothing queued: no
                // later publication in this drain could have shared their write
                backedUp = write(p, queue.isEmpty());
            }
        } finally {
            flushDirty();
            if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
                if (backedUp) {
                    // a subscriber went past its high-water mark: let the loop take in write
                    // completions and socket space before queueing more (a scheduled task runs
                    // after the loop's next turn of I/O; an executed one could run before it)
                    executor.schedule(this, 0, TimeUnit.NANOSECONDS);
                } else {
                    executor.execute(this);
                }
            }
        }
    }

    /**
     * Writes one publication to the shard; {@code true} if a subscriber went past its high-water
     * mark.
     */
    private boolean write(Pending p, boolean sendNow) {
        EncodedEvent event = p.event;
        delivered = 0;
        pastMark = false;
        try {
            Shard shard = p.channel.shard(loop);
            StreamPosition position = event.position();
            UringSender batch = sendNow ? sends : null;
            int n = shard == null ? 0 : shard.size();
            for (int i = 0; i < n; i++) {
                Connection c = shard.get(i);
                if (p.exclude != null && p.exclude.equals(c.socketId())) {
                    continue;
                }
                ByteBuf frame =
                        position == null
                                ? event.frame()
                                : recordedFrame(c, p.channel, event, position);
                if (frame == null) {
                    continue; // held back or already replayed
                }
                if (batch != null && c.canSendNow(frame)) {
                    if (batch.isFull()) {
                        batch = submitBatch(batch);
                    }
                    if (batch != null) {
                        c.addSend(batch, frame);
                        batched[batch.size() - 1] = c;
                        batchedFrames[batch.size() - 1] = frame;
                        continue;
                    }
                }
                // with a batch, canSendNow has just said the socket cannot take it now
                account(c, c.deliver(frame, sendNow && batch == null));
            }
            if (batch != null) {
                submitBatch(batch);
            }
            // one meter update per publication, not per delivery
            if (delivered > 0) {
                p.meters.messagesSent().increment(delivered);
                p.meters.bytesSent().increment((double) delivered * event.size());
            }
        } finally {
            if (sends != null && sends.size() > 0) {
                // only after a throw above: the batch points into the frame released next
                submitBatch(sends);
            }
            event.release();
        }
        return pastMark;
    }

    private void account(Connection c, Connection.Delivery d) {
        if (d != Connection.Delivery.DROPPED) {
            delivered++;
            pastMark |= d == Connection.Delivery.QUEUED_PAST_MARK;
            if (d != Connection.Delivery.SENT && c.markFlushPending()) {
                addDirty(c);
            }
        }
    }

    /**
     * Sends the batch in one system call and finishes each delivery with what its socket took;
     * returns the emptied batch, or {@code null} when the ring failed, after which this loop sends
     * one socket at a time (the sends the ring did not make are written through the pipeline).
     */
    private UringSender submitBatch(UringSender batch) {
        boolean ok = batch.submit();
        int n = batch.size();
        try {
            for (int i = 0; i < n; i++) {
                Connection c = batched[i];
                account(c, c.sent(batchedFrames[i], batch.result(i)));
            }
        } finally {
            Arrays.fill(batched, 0, n, null);
            Arrays.fill(batchedFrames, 0, n, null);
            batch.clear();
        }
        if (!ok) {
            log.warn("The io_uring send path failed; this event loop sends with epoll from now on");
            sends = null;
            return null;
        }
        return batch;
    }

    /**
     * A recorded event: to a subscription that asked for positions, its position frame and the
     * event in one write (a client cut between the two has the event replayed rather than skipped),
     * unless its cursor holds it back or has sent it. Apart from the loop above, so that the common
     * path stays small enough to be compiled as one piece.
     *
     * @return the frame to deliver, or {@code null} if nothing is to be written
     */
    private static ByteBuf recordedFrame(
            Connection c, LocalChannel channel, EncodedEvent event, StreamPosition position) {
        Cursor cursor = c.cursor(channel);
        if (cursor == null) {
            return event.frame();
        }
        if (cursor.admit(position) == Cursor.Admit.SKIP) {
            return null;
        }
        return event.positionedFrame();
    }

    private void addDirty(Connection c) {
        if (dirtyCount == dirty.length) {
            dirty = Arrays.copyOf(dirty, dirtyCount * 2);
        }
        dirty[dirtyCount++] = c;
    }

    private void flushDirty() {
        Connection[] list = dirty;
        for (int i = 0; i < dirtyCount; i++) {
            list[i].flushPending();
            list[i] = null;
        }
        dirtyCount = 0;
    }
}
