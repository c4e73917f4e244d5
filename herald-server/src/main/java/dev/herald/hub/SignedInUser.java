package dev.herald.hub;

import java.util.List;

/**
 * A connection's signed-in user (docs/protocol.md §4.1).
 *
 * @param id the user id from {@code user_data}
 * @param userInfo {@code user_info} as compact JSON, or {@code null}; the presence member's info
 *     when a presence subscription has no {@code channel_data}
 * @param watchlist user ids whose online status this connection follows
 */
public record SignedInUser(String id, String userInfo, List<String> watchlist) {}
