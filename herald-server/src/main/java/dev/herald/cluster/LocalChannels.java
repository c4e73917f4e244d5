package dev.herald.cluster;

import dev.herald.protocol.Member;
import java.util.Collection;
import java.util.List;

/**
 * What this node holds, as the cluster engines read it. The hub implements it; the engines read it
 * on their own threads (the cluster thread, the heartbeat, the HTTP API's), so every answer is a
 * weakly consistent view: a join or leave racing the read may or may not be seen, and the Redis
 * engine reconciles again on the next change it hears of.
 */
public interface LocalChannels {

    /** Sockets subscribed to the channel on this node; 0 when it has none. */
    int subscriptionCount(String appId, String channel);

    /** Distinct presence users of the channel on this node; 0 off presence channels. */
    int userCount(String appId, String channel);

    /** Presence members of the channel on this node, in join order. */
    List<Member> members(String appId, String channel);

    /**
     * The user's member entry if it has a socket in the presence channel here, else {@code null}.
     */
    Member member(String appId, String channel, String userId);

    /** Apps with state on this node. */
    Collection<String> appIds();

    /** The app's channels with subscribers on this node. */
    Collection<String> channelNames(String appId);

    /** The app's open connections on this node. */
    int connectionCount(String appId);
}
