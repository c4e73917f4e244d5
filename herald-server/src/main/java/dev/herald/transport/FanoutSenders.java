package dev.herald.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The event loops' io_uring batches of fan-out sends, one per loop, as {@link FanoutSend} asks;
 * none where sends go one socket at a time.
 *
 * <p>Closed only after the loops have stopped: a loop still draining would send through a freed
 * ring.
 *
 * @param perLoop a sender per loop, by loop index; empty when sends go one socket at a time
 * @param description how fan-out frames are sent, for the start-up log
 */
public record FanoutSenders(List<UringSender> perLoop, String description)
        implements AutoCloseable {

    /**
     * Opens a sender per loop where {@code mode} and the transport allow it.
     *
     * @throws IllegalStateException when {@code mode} is {@code IO_URING} and the batch path cannot
     *     run, saying why
     */
    public static FanoutSenders open(FanoutSend mode, TransportKind transport, int loops) {
        if (mode == FanoutSend.SEND) {
            return new FanoutSenders(List.of(), "one send() per socket (fanout_send send)");
        }
        String refused = null;
        if (transport != TransportKind.EPOLL) {
            refused =
                    "the transport is " + transport.name().toLowerCase(Locale.ROOT) + ", not epoll";
        } else if (!UringSender.isAvailable()) {
            refused = UringSender.unavailabilityCause().getMessage();
        }
        List<UringSender> senders = new ArrayList<>(loops);
        if (refused == null) {
            try {
                for (int i = 0; i < loops; i++) {
                    senders.add(UringSender.open());
                }
            } catch (IllegalStateException e) {
                senders.forEach(UringSender::close);
                senders.clear();
                refused = e.getMessage();
            }
        }
        if (refused != null) {
            if (mode == FanoutSend.IO_URING) {
                throw new IllegalStateException(
                        "fanout_send io_uring (HERALD_FANOUT_SEND) cannot run: " + refused);
            }
            return new FanoutSenders(List.of(), "one send() per socket (" + refused + ")");
        }
        return new FanoutSenders(
                List.copyOf(senders),
                "io_uring batches of up to " + UringSender.CAPACITY + " sockets");
    }

    @Override
    public void close() {
        perLoop.forEach(UringSender::close);
    }
}
