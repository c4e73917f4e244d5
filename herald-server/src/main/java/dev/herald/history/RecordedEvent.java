package dev.herald.history;

import dev.herald.protocol.StreamPosition;

/**
 * One event as its channel's history keeps it.
 *
 * @param frame the complete WebSocket frame subscribers got, as the publisher encoded it; not to be
 *     modified
 * @param excludeSocketId the socket the publication excluded, or {@code null}
 */
public record RecordedEvent(StreamPosition position, byte[] frame, String excludeSocketId) {}
