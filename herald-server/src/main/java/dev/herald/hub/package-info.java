/**
 * The fan-out core: this node's channels ({@link dev.herald.hub.ChannelTable}), their subscribers
 * sharded by event loop, presence member lists, each loop's outbox of publications, and each
 * connection's delivery state ({@link dev.herald.hub.Connection}: writes, flushes, slow consumers,
 * closes). Never blocks and does no network I/O other than writes to its own connections. Knows
 * nothing of the Pusher session that drives it ({@code session}).
 */
package dev.herald.hub;
