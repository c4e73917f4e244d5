/**
 * The cluster's shared state: cluster-wide answers ({@link dev.herald.cluster.ClusterView}) and
 * cluster-wide decisions on first joins and last leaves. The local engine sits beside the
 * interfaces; the Redis engine lives in {@code dev.herald.redis}.
 */
package dev.herald.cluster;
