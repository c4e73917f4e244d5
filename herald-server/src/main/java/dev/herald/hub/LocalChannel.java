package dev.herald.hub;

import dev.herald.protocol.ChannelKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A channel with subscribers on this node: its subscribers sharded by event loop, its subscription
 * count, and, for presence channels, its members.
 */
public final class LocalChannel {

    private final String name;
    private final ChannelKind kind;
    private final AtomicReferenceArray<Shard> shards;
    private final PresenceMembers members;

    /** Guarded by the hub map's per-key lock (compute); read anywhere. */
    private volatile int subscriptions;

    /**
     * Completes once the broker routes the channel's publications from every node to this one. The
     * hub's own state, not a feature's: the hub asks the broker when it creates the channel, and
     * the answer belongs to this channel's lifetime (a channel vacated and made again asks again).
     */
    private final CompletableFuture<Void> routed = new CompletableFuture<>();

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

    /** Completes once publications from every node reach this one (at once with one node). */
    public CompletionStage<Void> routed() {
        return routed;
    }

    void markRouted() {
        routed.complete(null);
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
