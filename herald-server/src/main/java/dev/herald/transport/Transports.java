package dev.herald.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * The native transport to use: epoll where the kernel offers it, else NIO; io_uring on request.
 *
 * <p>io_uring is not the default because of how it behaves under overload, measured with
 * herald-bench (docs/benchmarks.md): once subscribers fall behind a fan-out flood, the server
 * spends its time submitting socket writes that move little data, the completion queue overflows,
 * and a delivery costs 40 µs of CPU instead of 4, starving the readers it waits for. At 80
 * publications/s to 2,000 subscribers it lost about 62 % of the deliveries where epoll lost none,
 * and epoll carries 350,000 deliveries/s. Below saturation the two cost about the same.
 */
public record Transports(
        TransportKind kind,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass) {

    public static Transports select(TransportKind wanted) {
        return switch (wanted) {
            case AUTO -> Epoll.isAvailable() ? epoll() : nio();
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new IllegalStateException(
                            "transport io_uring is not available here: "
                                    + IoUring.unavailabilityCause());
                }
                yield ioUring();
            }
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException(
                            "transport epoll is not available here: "
                                    + Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case NIO -> nio();
        };
    }

    /**
     * Completion-queue entries per event loop. One publication to a channel completes one write per
     * subscriber on the loop, so a burst to thousands of subscribers overflows Netty's default
     * (twice the 4096-entry ring) and stalls the loop; 64 Ki entries cost 1 MiB per loop.
     */
    static final int IO_URING_CQ_SIZE = 65_536;

    /** The provided-buffer group connections receive into (io_uring only). */
    static final short BUFFER_GROUP = 1;

    /**
     * Applies transport-specific options to accepted connections. With io_uring, connections
     * receive into a ring of buffers shared by the event loop, instead of each idle connection
     * holding its own receive buffer while it waits: the largest per-connection cost at rest.
     */
    public void configureChildren(ServerBootstrap bootstrap) {
        if (kind == TransportKind.IO_URING) {
            bootstrap.childOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP);
        }
    }

    private static Transports ioUring() {
        IoUringIoHandlerConfig config =
                new IoUringIoHandlerConfig()
                        .setCqSize(IO_URING_CQ_SIZE)
                        .setBufferRingConfig(
                                IoUringBufferRingConfig.builder()
                                        .bufferGroupId(BUFFER_GROUP)
                                        .bufferRingSize((short) 1024)
                                        .batchSize(64)
                                        .allocator(new IoUringFixedBufferRingAllocator(2048))
                                        .build());
        return new Transports(
                TransportKind.IO_URING,
                IoUringIoHandler.newFactory(config),
                IoUringServerSocketChannel.class);
    }

    private static Transports epoll() {
        return new Transports(
                TransportKind.EPOLL, EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }

    private static Transports nio() {
        return new Transports(
                TransportKind.NIO, NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }
}
