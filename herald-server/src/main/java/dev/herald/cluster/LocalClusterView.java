package dev.herald.cluster;

import dev.herald.hub.Hub;
import dev.herald.hub.LocalChannel;
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

    private final Hub hub;

    public LocalClusterView(Hub hub) {
        this.hub = hub;
    }

    @Override
    public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
        LocalChannel local = hub.channel(appId, channel);
        return CompletableFuture.completedFuture(local == null ? 0 : local.subscriptionCount());
    }

    @Override
    public CompletionStage<Integer> userCount(String appId, String channel) {
        LocalChannel local = hub.channel(appId, channel);
        return CompletableFuture.completedFuture(local == null ? 0 : local.userCount());
    }

    @Override
    public CompletionStage<List<Member>> members(String appId, String channel) {
        return CompletableFuture.completedFuture(hub.members(appId, channel));
    }

    @Override
    public CompletionStage<Map<String, Counts>> channels(String appId) {
        Map<String, Counts> result = new HashMap<>();
        for (LocalChannel channel : hub.channels(appId)) {
            if (!channel.kind().isHidden()) {
                result.put(channel.name(), new Counts(channel.subscriptionCount(), channel.userCount()));
            }
        }
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
        Set<String> result = new HashSet<>();
        for (String channel : channels) {
            if (hub.channel(appId, channel) != null) {
                result.add(channel);
            }
        }
        return CompletableFuture.completedFuture(result);
    }
}
