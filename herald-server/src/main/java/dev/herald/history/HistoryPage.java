package dev.herald.history;

import dev.herald.protocol.StreamPosition;
import java.util.List;

/**
 * What a history read found.
 *
 * @param head the channel's newest position ({@code EPOCH:0} when nothing is recorded in this
 *     epoch); a read makes the epoch if the channel had none, so a fresh subscriber always has a
 *     position to come back with
 * @param events the events after the asked position, oldest first, at most the asked limit
 * @param gap why the events right after the asked position cannot all be given, or {@code null}
 *     when {@code events} starts right after it
 * @param more whether recorded events follow the last one in {@code events}
 */
public record HistoryPage(StreamPosition head, List<RecordedEvent> events, Gap gap, boolean more) {

    public HistoryPage {
        events = List.copyOf(events);
    }

    /** Why a replay cannot start right after the asked position. */
    public enum Gap {
        /** The position is from another generation of the channel's history. */
        EPOCH("the channel's history was reset since that position"),
        /** Events right after the position have been dropped (by size or age). */
        TRIMMED("events after that position are no longer kept"),
        /** The position is past the channel's newest. */
        AHEAD("that position is ahead of the channel's history");

        private final String reason;

        Gap(String reason) {
            this.reason = reason;
        }

        /** Words for the client or the HTTP caller. */
        public String reason() {
            return reason;
        }
    }
}
