/**
 * The cluster engine on Redis: connections, node leases, cluster-wide decisions and answers
 * (Lua scripts over per-node state), reaping of dead nodes, webhook removal marks.
 */
package dev.herald.cluster.redis;
