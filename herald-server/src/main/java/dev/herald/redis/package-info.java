/**
 * Every engine on Redis, and the only code that knows Redis: the connections and the cluster thread
 * ({@link dev.herald.redis.RedisConnections}), the key and message formats ({@code RedisKeys},
 * {@code Relay}), the Lua scripts, and the engines behind Herald's interfaces: {@link
 * dev.herald.redis.RedisBroker} (publications between nodes), {@link
 * dev.herald.redis.RedisChannelCache} (cache channels), {@link dev.herald.redis.RedisClusterView}
 * and {@link dev.herald.redis.RedisClusterState} (cluster-wide answers, decisions, leases, reaping)
 * {@link dev.herald.redis.RedisRemovalMarks} (webhook debounce across nodes), {@link
 * dev.herald.redis.RedisActivityFeed} (the debug stream across nodes), {@link
 * dev.herald.redis.RedisStatsHistory} (the console's charts, kept in Redis) and {@link
 * dev.herald.redis.RedisChannelHistory} (channel history, recorded by the broker).
 *
 * <p>One package rather than one {@code redis} sub-package per interface: the engines share the
 * connections, the thread and the key layout, which can then stay package-private, and no interface
 * package depends on Redis or on another interface's engine. Only {@code server} imports this
 * package.
 */
package dev.herald.redis;
