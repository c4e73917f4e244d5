package dev.herald.testing;

import java.time.Duration;

/**
 * A failover a test topology went through: the master that was killed, the replica that took its
 * place, and how long that took from the kill until the topology was whole again.
 */
public record RedisFailover(int oldMasterPort, int newMasterPort, Duration took) {}
