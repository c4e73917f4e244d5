package dev.herald.hub;

import dev.herald.protocol.Member;

/**
 * One connection's membership of one channel.
 *
 * @param member the presence member this socket joined as, or {@code null} on other channels
 * @param cursor its place in the channel's history when it asked for positions, else {@code null}
 */
public record Subscription(LocalChannel channel, Member member, Cursor cursor) {}
