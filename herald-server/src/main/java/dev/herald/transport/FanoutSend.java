package dev.herald.transport;

/**
 * How fan-out frames go to subscribers' sockets on the epoll transport. {@code AUTO} batches them
 * through io_uring ({@link UringSender}) where the build and the kernel allow it, and otherwise
 * makes one {@code send()} per socket, as {@code SEND} always does; {@code IO_URING} refuses to
 * start without the batch path.
 */
public enum FanoutSend {
    AUTO,
    IO_URING,
    SEND
}
