package dev.herald.bench.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringAdaptiveBufferRingAllocator;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** An event loop group and its socket channel class: io_uring, epoll or NIO. */
public final class Transport implements AutoCloseable {
    public final String name;
    public final EventLoopGroup group;
    public final Class<? extends SocketChannel> channelClass;

    private Transport(
            String name, EventLoopGroup group, Class<? extends SocketChannel> channelClass) {
        this.name = name;
        this.group = group;
        this.channelClass = channelClass;
    }

    /** {@code auto} picks io_uring where the kernel offers it, else epoll, else NIO. */
    public static String resolve(String kind) {
        String k = kind.toLowerCase(Locale.ROOT).replace('-', '_');
        switch (k) {
            case "auto":
                if (IoUring.isAvailable()) {
                    return "io_uring";
                }
                return Epoll.isAvailable() ? "epoll" : "nio";
            case "io_uring":
            case "iouring":
                if (!IoUring.isAvailable()) {
                    throw new IllegalArgumentException(
                            "io_uring unavailable: " + IoUring.unavailabilityCause());
                }
                return "io_uring";
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException(
                            "epoll unavailable: " + Epoll.unavailabilityCause());
                }
                return "epoll";
            case "nio":
                return "nio";
            default:
                throw new IllegalArgumentException(
                        "--transport must be auto, io_uring, epoll or nio, not " + kind);
        }
    }

    /** Buffer group of the receive buffer ring (io_uring only). */
    public static final short BUFFER_GROUP = 7;

    public static Transport create(String kind, int threads, String threadPrefix) {
        return create(kind, threads, threadPrefix, false);
    }

    /**
     * @param recvBufferRing io_uring only: receive into a kernel-provided buffer ring, which lets
     *     the kernel keep one multishot receive armed per socket instead of a new submission per
     *     read
     */
    public static Transport create(
            String kind, int threads, String threadPrefix, boolean recvBufferRing) {
        String name = resolve(kind);
        IoHandlerFactory factory;
        Class<? extends SocketChannel> cls;
        switch (name) {
            case "io_uring":
                // Closing or opening thousands of sockets at once completes in bursts: a large
                // completion queue avoids overflow (and Netty's warning) in those moments.
                IoUringIoHandlerConfig config =
                        new IoUringIoHandlerConfig().setRingSize(4096).setCqSize(65536);
                if (recvBufferRing) {
                    config.setBufferRingConfig(
                            IoUringBufferRingConfig.builder()
                                    .bufferGroupId(BUFFER_GROUP)
                                    .bufferRingSize((short) 4096)
                                    .batchSize(256)
                                    .allocator(new IoUringAdaptiveBufferRingAllocator())
                                    .build());
                }
                factory = IoUringIoHandler.newFactory(config);
                cls = IoUringSocketChannel.class;
                break;
            case "epoll":
                factory = EpollIoHandler.newFactory();
                cls = EpollSocketChannel.class;
                break;
            default:
                factory = NioIoHandler.newFactory();
                cls = NioSocketChannel.class;
        }
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(
                        threads, new DefaultThreadFactory(threadPrefix, true), factory);
        return new Transport(name, group, cls);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
