package dev.herald.hub;

import dev.herald.protocol.ChannelKind;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A channel with subscribers on this node: its subscribers sharded by event loop, its
 * subscription count, and, for presence channels, its members.
 */
public final class LocalChannel {

    private final String name;
    private final ChannelKind kind;
    private final AtomicReferenceArray<Shard> shards;
    private final PresenceMembers members;
    /** Guarded by the hub map's per-key lock (compute); read anywhere. */
    private volatile int subscriptions;
    /** Subscription-count coalescing: whether a send is scheduled, and the count last sent. */
    final java.util.concurrent.atomic.AtomicBoolean countPending = new java.util.concurrent.atomic.AtomicBoolean();
    volatile int lastSentCount = -1;
    /** Completes once the broker routes the channel's publications from every node to this one. */
    final java.util.concurrent.CompletableFuture<Void> routed = new java.util.concurrent.CompletableFuture<>();

    LocalChannel(String name, int loops) {
        this.name = name;
        this.kind = ChannelKind.of(name);
        this.shards = new AtomicReferenceArray<>(loops);
        this.members = kind.isPresence() ? new PresenceMembers() : null;
    }

    public String name() {
        return name;
    }

    public ChannelKind kind() {
        return kind;
    }

    /** Sockets subscribed on this node. */
    public int subscriptionCount() {
        return subscriptions;
    }

    /** Distinct presence users on this node; 0 for other kinds. */
    public int userCount() {
        return members == null ? 0 : members.userCount();
    }

    PresenceMembers members() {
        return members;
    }

    int loops() {
        return shards.length();
    }

    Shard shard(int loop) {
        return shards.get(loop);
    }

    /** Called on the loop's own thread. */
    Shard shardForWrite(int loop) {
        Shard s = shards.get(loop);
        if (s == null) {
            s = new Shard();
            shards.set(loop, s);
        }
        return s;
    }

    void addSubscription() {
        subscriptions++;
    }

    /** Returns the count left. */
    int removeSubscription() {
        return --subscriptions;
    }
}
