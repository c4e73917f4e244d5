package dev.herald.hub;

import dev.herald.protocol.StreamPosition;

/**
 * How far one subscription that asked for positions has got in its channel's history
 * (docs/recovery.md). Confined to the connection's event loop.
 *
 * <p>It starts <em>recovering</em>: live recorded events are held back (not written) while the
 * history is read and replayed, and the newest one held back is remembered, so that the replay can
 * read again until it has caught up. Then it goes <em>live</em>: each recorded event is written
 * with its position frame before it, unless the replay already sent it.
 */
public final class Cursor {

    /** What the fan-out does with one recorded event for this subscription. */
    enum Admit {
        /** Held back, or already sent: write nothing. */
        SKIP,
        /** Write the position frame, then the event. */
        WITH_POSITION
    }

    private boolean live;
    private String epoch;
    private long last;
    private StreamPosition heldBack;

    Cursor() {}

    Admit admit(StreamPosition position) {
        if (!live) {
            heldBack = position;
            return Admit.SKIP;
        }
        if (!position.epoch().equals(epoch)) {
            // also the first event after a replay that could not read the history
            // the history started again (Redis lost it): this subscription missed nothing, it just
            // counts from the new epoch now
            epoch = position.epoch();
            last = position.serial();
            return Admit.WITH_POSITION;
        }
        if (position.serial() <= last) {
            return Admit.SKIP; // replayed already
        }
        last = position.serial();
        return Admit.WITH_POSITION;
    }

    /**
     * The newest recorded event held back while recovering that {@code upTo} does not cover (the
     * replay must read again), or {@code null}.
     */
    public StreamPosition heldBackAfter(StreamPosition upTo) {
        StreamPosition held = heldBack;
        if (held == null
                || (upTo != null
                        && held.epoch().equals(upTo.epoch())
                        && held.serial() <= upTo.serial())) {
            return null;
        }
        return held;
    }

    /**
     * The replay has sent everything up to {@code position}: live events after it flow now. With
     * {@code null} (the history could not be read) the next live event sets the position.
     */
    public void goLive(StreamPosition position) {
        live = true;
        epoch = position == null ? null : position.epoch();
        last = position == null ? 0 : position.serial();
        heldBack = null;
    }
}
