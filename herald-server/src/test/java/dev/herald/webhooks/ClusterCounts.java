package dev.herald.webhooks;

import dev.herald.cluster.ClusterView;
import dev.herald.protocol.Member;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cluster view for the webhook tests: the subscription counts a test sets (none: 0), or, when
 * {@code failing}, a cluster that cannot answer; no members and no channels.
 */
final class ClusterCounts implements ClusterView {
    final Map<String, Integer> counts = new ConcurrentHashMap<>();
    volatile boolean failing;

    @Override
    public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
        return failing
                ? CompletableFuture.failedFuture(new IllegalStateException("no cluster"))
                : CompletableFuture.completedFuture(counts.getOrDefault(channel, 0));
    }

    @Override
    public CompletionStage<Integer> userCount(String appId, String channel) {
        return CompletableFuture.completedFuture(0);
    }

    @Override
    public CompletionStage<List<Member>> members(String appId, String channel) {
        return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<Map<String, Counts>> channels(String appId) {
        return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public CompletionStage<Map<String, Counts>> allChannels(String appId) {
        return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
        return CompletableFuture.completedFuture(Set.of());
    }
}
