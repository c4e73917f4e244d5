/**
 * Channel history (docs/recovery.md): the {@link dev.herald.history.ChannelHistory} engine
 * interface, its in-memory engine, and the recovery of what a reconnecting client missed. The Redis
 * engine lives in {@code dev.herald.redis}; recording happens in the broker's publish, so that
 * every node delivers a channel's recorded events in position order.
 */
package dev.herald.history;
