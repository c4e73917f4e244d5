/** Cache channels' last events in Redis, shared by the cluster. */
package dev.herald.cache.redis;
