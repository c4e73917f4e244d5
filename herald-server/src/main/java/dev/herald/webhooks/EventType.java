package dev.herald.webhooks;

/**
 * The webhook event types (docs/protocol.md §6.2), each with the rank that decides what is shed
 * first when the webhook queues are full. Lower ranks go first:
 *
 * <ol>
 *   <li>{@code client_event} and {@code cache_miss} (rank 0) matter least or come back by
 *       themselves: subscribers already received the client event, so its webhook is a copy, and
 *       the next subscriber that finds the cache empty raises {@code cache_miss} again.
 *   <li>{@code subscription_count} (rank 1) is a gauge: the next change carries the current value,
 *       so a lost one is corrected by its successor.
 *   <li>{@code channel_occupied}/{@code channel_vacated} and {@code member_added}/{@code
 *       member_removed} (rank 2) are state transitions: nothing later repeats them, and a receiver
 *       that misses one believes a channel or member exists when it does not (or the reverse) until
 *       the next transition.
 * </ol>
 *
 * Within a rank the oldest event goes first.
 */
enum EventType {
    CLIENT_EVENT("client_event", 0),
    CACHE_MISS("cache_miss", 0),
    SUBSCRIPTION_COUNT("subscription_count", 1),
    CHANNEL_OCCUPIED("channel_occupied", 2),
    CHANNEL_VACATED("channel_vacated", 2),
    MEMBER_ADDED("member_added", 2),
    MEMBER_REMOVED("member_removed", 2);

    static final int RANKS = 3;
    private static final EventType[] ALL = values();

    private final String wireName;
    private final int rank;

    EventType(String wireName, int rank) {
        this.wireName = wireName;
        this.rank = rank;
    }

    /** The {@code name} field of the webhook event, and the metric tag. */
    String wireName() {
        return wireName;
    }

    int rank() {
        return rank;
    }

    static EventType byOrdinal(int ordinal) {
        return ALL[ordinal];
    }
}
