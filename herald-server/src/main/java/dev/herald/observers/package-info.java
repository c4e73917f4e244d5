/**
 * The two observer contracts between the hub and the features built on channels: {@link
 * dev.herald.observers.ChannelObserver} (this node's changes, on the event loop, in order) and
 * {@link dev.herald.observers.ClusterObserver} (cluster-wide decisions, on any thread). Just
 * interfaces: the hub and the session report, the cluster engines decide, the features listen.
 */
package dev.herald.observers;
