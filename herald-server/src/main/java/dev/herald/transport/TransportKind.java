package dev.herald.transport;

/** Which Netty transport to run on. {@code AUTO} takes the best the kernel offers. */
public enum TransportKind {
    AUTO,
    IO_URING,
    EPOLL,
    NIO
}
