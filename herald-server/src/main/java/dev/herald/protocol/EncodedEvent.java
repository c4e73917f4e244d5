package dev.herald.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One outbound message, encoded once as a complete WebSocket text frame (header and JSON).
 *
 * <p>Ownership: whoever creates an {@code EncodedEvent} owns one reference to {@link #frame()}.
 * Each writer takes {@code frame().retainedDuplicate()} and hands that to Netty, which releases it
 * after the write; the owner calls {@link #release()} when it has handed out all the copies it
 * will. A receiver that keeps the event past the call that delivered it must {@link #retain()}.
 */
public final class EncodedEvent {

    private final ByteBuf frame;

    public EncodedEvent(ByteBuf frame) {
        this.frame = frame;
    }

    /** The frame bytes; readable from reader index to writer index. Do not modify. */
    public ByteBuf frame() {
        return frame;
    }

    public EncodedEvent retain() {
        frame.retain();
        return this;
    }

    public void release() {
        frame.release();
    }

    /** Size of the frame on the wire, header included. */
    public int size() {
        return frame.readableBytes();
    }
}
