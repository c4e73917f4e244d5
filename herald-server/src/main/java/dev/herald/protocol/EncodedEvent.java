package dev.herald.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One outbound message, encoded once as a complete WebSocket text frame (header and JSON).
 *
 * <p>Ownership: whoever creates an {@code EncodedEvent} owns one reference to {@link #frame()}.
 * Each writer takes {@code frame().retainedDuplicate()} and hands that to Netty, which releases it
 * after the write; the owner calls {@link #release()} when it has handed out all the copies it
 * will. A receiver that keeps the event past the call that delivered it must {@link #retain()}.
 *
 * <p>An event recorded in its channel's history also carries its {@link #position()} and the {@code
 * pusher_internal:herald_position} frame that goes before it to the subscriptions that asked for
 * positions (docs/recovery.md); both are shared like the frame and released with it.
 */
public final class EncodedEvent {

    private final ByteBuf frame;
    private final StreamPosition position;
    private final ByteBuf positionedFrame;

    public EncodedEvent(ByteBuf frame) {
        this(frame, null, null);
    }

    private EncodedEvent(ByteBuf frame, StreamPosition position, ByteBuf positionedFrame) {
        this.frame = frame;
        this.position = position;
        this.positionedFrame = positionedFrame;
    }

    /**
     * The same frame recorded at {@code position} of {@code channel}'s history; the new event owns
     * its own references (this one's owner still releases this one).
     */
    public EncodedEvent recorded(String channel, StreamPosition position) {
        ByteBuf announce = Frames.position(channel, position);
        try {
            ByteBuf both =
                    announce.alloc()
                            .directBuffer(announce.readableBytes() + frame.readableBytes())
                            .writeBytes(announce, announce.readerIndex(), announce.readableBytes())
                            .writeBytes(frame, frame.readerIndex(), frame.readableBytes());
            return new EncodedEvent(frame.retain(), position, both);
        } finally {
            announce.release();
        }
    }

    /** The frame bytes; readable from reader index to writer index. Do not modify. */
    public ByteBuf frame() {
        return frame;
    }

    /** Where the event is in its channel's history, or {@code null} if it is not recorded. */
    public StreamPosition position() {
        return position;
    }

    /**
     * The {@code herald_position} frame of {@link #position()} followed by {@link #frame()}, or
     * {@code null} if the event is not recorded. Do not modify.
     */
    public ByteBuf positionedFrame() {
        return positionedFrame;
    }

    public EncodedEvent retain() {
        frame.retain();
        if (positionedFrame != null) {
            positionedFrame.retain();
        }
        return this;
    }

    public void release() {
        frame.release();
        if (positionedFrame != null) {
            positionedFrame.release();
        }
    }

    /** Size of the frame on the wire, header included. */
    public int size() {
        return frame.readableBytes();
    }
}
