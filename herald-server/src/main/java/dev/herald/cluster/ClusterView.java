package dev.herald.cluster;

import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * Questions about the whole cluster's channels, for the HTTP API and for subscribers' first
 * answers. The local engine answers from this node's hub at once; the Redis engine asks Redis.
 * Stages may complete on any thread; callers hop back to their event loop.
 */
public interface ClusterView {

    /** Sockets subscribed to the channel on every live node. */
    CompletionStage<Integer> subscriptionCount(String appId, String channel);

    /** Distinct presence users of the channel on every live node. */
    CompletionStage<Integer> userCount(String appId, String channel);

    /** Presence members of the channel on every live node, one per user. */
    CompletionStage<List<Member>> members(String appId, String channel);

    /**
     * Every occupied channel of the app but the server's own ({@code #server-to-user-…}): name to
     * its cluster-wide counts.
     */
    CompletionStage<Map<String, Counts>> channels(String appId);

    /**
     * The app's signed-in users on every live node: user id to the number of their connections
     * (each signed-in connection holds the user's {@code #server-to-user-} channel).
     */
    default CompletionStage<Map<String, Integer>> signedInUsers(String appId) {
        return allChannels(appId)
                .thenApply(
                        all -> {
                            Map<String, Integer> users = new TreeMap<>();
                            all.forEach(
                                    (channel, counts) -> {
                                        String user = ChannelKind.userOfChannel(channel);
                                        if (user != null && counts.subscriptions() > 0) {
                                            users.put(user, counts.subscriptions());
                                        }
                                    });
                            return users;
                        });
    }

    /** Every occupied channel of the app, the server's own included. */
    CompletionStage<Map<String, Counts>> allChannels(String appId);

    /** Which of these channels have subscribers anywhere. */
    CompletionStage<Set<String>> occupied(String appId, Collection<String> channels);

    /** A channel's cluster-wide counts; {@code users} is 0 off presence channels. */
    record Counts(int subscriptions, int users) {}
}
