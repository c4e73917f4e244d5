package dev.herald.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.unix.Socket;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;

/**
 * Writes a complete frame straight to an epoll connection's socket, past the pipeline, when nothing
 * is queued before it.
 *
 * <p>Why: a fan-out delivery to a connection that received nothing for a while is one send of a
 * frame that is already encoded, but through the pipeline it also takes an outbound-buffer entry, a
 * reference on the shared frame (contended between the event loops), pending-byte accounting and a
 * flush, each on memory that has gone cold since that connection's last message. At 15,000
 * subscribers on 100 channels skipping them saved about 1 µs of the server's CPU per delivery
 * (docs/benchmarks.md).
 *
 * <p>Only for plain-text epoll channels: with TLS the bytes must be encrypted by the pipeline, and
 * other transports own their sockets' writes. Must be called on the channel's event loop, where the
 * socket is also closed, so an open check cannot race with the descriptor being reused.
 */
public final class SocketWriter {

    // Held here rather than reached through the channel on each send: a fan-out walk touches
    // thousands of connections, each cold, and every object on the way is another cache miss.
    // Both live as long as the channel; the socket's open state is checked before each send.
    private final Socket socket;
    private final ChannelOutboundBuffer queued;

    private SocketWriter(Socket socket, ChannelOutboundBuffer queued) {
        this.socket = socket;
        this.queued = queued;
    }

    /** A writer for the channel, or {@code null} when its writes must pass the pipeline. */
    public static SocketWriter of(Channel channel) {
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        if (channel instanceof AbstractEpollStreamChannel epoll
                && epoll.fd() instanceof Socket socket
                && queued != null
                && channel.pipeline().get(SslHandler.class) == null) {
            return new SocketWriter(socket, queued);
        }
        return null;
    }

    /**
     * Sends the frame's readable bytes if the channel has nothing queued; does not change the frame
     * or its reference count.
     *
     * @return the bytes the kernel took (all, some or none of them), or -1 if nothing was tried
     *     because the frame must be written through the pipeline: bytes are queued before it, the
     *     channel is closed, the frame is not in native memory, or the socket failed (the
     *     pipeline's write meets the same error and closes the channel its usual way)
     */
    public int trySend(ByteBuf frame) {
        if (!canSend(frame)) {
            return -1;
        }
        try {
            return socket.sendAddress(
                    frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Whether the frame may go straight to the socket now: it is open, nothing is queued before the
     * frame, and the frame is in native memory.
     */
    public boolean canSend(ByteBuf frame) {
        return socket.isOpen() && queued.totalPendingWriteBytes() == 0 && frame.hasMemoryAddress();
    }

    /**
     * Adds the frame's readable bytes to a batch of sends, to go with the others in one system
     * call; only after {@link #canSend} said yes. The frame must not be released before the batch
     * is submitted.
     */
    public void addTo(UringSender batch, ByteBuf frame) {
        batch.add(
                socket.intValue(),
                frame.memoryAddress() + frame.readerIndex(),
                frame.readableBytes());
    }
}
