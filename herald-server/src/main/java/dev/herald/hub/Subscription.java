package dev.herald.hub;

import dev.herald.protocol.Member;

/**
 * One connection's membership of one channel.
 *
 * @param member the presence member this socket joined as, or {@code null} on other channels
 */
public record Subscription(LocalChannel channel, Member member) {}
