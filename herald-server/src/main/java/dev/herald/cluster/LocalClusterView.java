package dev.herald.cluster;

import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** One node is the whole cluster: every answer comes from its hub, already complete. */
public final class LocalClusterView implements ClusterView {

    private final LocalChannels hub;

    public LocalClusterView(LocalChannels hub) {
        this.hub = hub;
    }

    @Override
    public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
        return CompletableFuture.completedFuture(hub.subscriptionCount(appId, channel));
    }

    @Override
    public CompletionStage<Integer> userCount(String appId, String channel) {
        return CompletableFuture.completedFuture(hub.userCount(appId, channel));
    }

    @Override
    public CompletionStage<List<Member>> members(String appId, String channel) {
        return CompletableFuture.completedFuture(hub.members(appId, channel));
    }

    @Override
    public CompletionStage<Map<String, Counts>> channels(String appId) {
        return CompletableFuture.completedFuture(channels(appId, false));
    }

    @Override
    public CompletionStage<Map<String, Counts>> allChannels(String appId) {
        return CompletableFuture.completedFuture(channels(appId, true));
    }

    private Map<String, Counts> channels(String appId, boolean hidden) {
        Map<String, Counts> result = new HashMap<>();
        for (String channel : hub.channelNames(appId)) {
            int subscriptions = hub.subscriptionCount(appId, channel);
            // 0: vacated since the names were read
            if (subscriptions > 0 && (hidden || !ChannelKind.of(channel).isHidden())) {
                result.put(channel, new Counts(subscriptions, hub.userCount(appId, channel)));
            }
        }
        return result;
    }

    @Override
    public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
        Set<String> result = new HashSet<>();
        for (String channel : channels) {
            if (hub.subscriptionCount(appId, channel) > 0) {
                result.add(channel);
            }
        }
        return CompletableFuture.completedFuture(result);
    }
}
