package dev.herald.protocol;

/**
 * A presence member as clients see it.
 *
 * @param userId the user id, always a string on the wire (numbers are normalised, docs/protocol.md
 *     §3.5)
 * @param userInfo the member's {@code user_info} as compact JSON text, or {@code null}
 */
public record Member(String userId, String userInfo) {}
