package dev.herald.redis;

import dev.herald.cluster.ClusterView;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Cluster-wide answers, read key by key: every command reads the keys of one hash slot, so the same
 * answers come from one Redis and from a Redis Cluster. Each answer counts the live nodes only
 * (read beside it from {@code herald:{g}:nodes}), so a node that left or died drops out at once,
 * before it is reaped. Questions are sent from the cluster thread, after this node's pending
 * bookkeeping, so a subscriber's own join is always in the member list it is answered with.
 */
public final class RedisClusterView implements ClusterView {

    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;
    private final Executor thread;

    public RedisClusterView(RedisConnections connections) {
        this.redis = connections.commands();
        this.keys = connections.keys();
        this.thread = connections.thread();
    }

    /** Asks on the cluster thread, so the question follows this node's pending writes. */
    private <T> CompletionStage<T> ask(Supplier<CompletionStage<T>> question) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            thread.execute(
                    () -> {
                        try {
                            question.get()
                                    .whenComplete(
                                            (value, error) -> {
                                                if (error != null) {
                                                    result.completeExceptionally(error);
                                                } else {
                                                    result.complete(value);
                                                }
                                            });
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e); // the connections are closed
                        }
                    });
        } catch (RuntimeException e) {
            result.completeExceptionally(e); // the cluster thread is shut down
        }
        return result;
    }

    /** The nodes whose lease is live now. */
    private CompletionStage<Set<String>> live() {
        return redis.zrangebyscore(
                        keys.nodes(),
                        Range.create(System.currentTimeMillis(), Double.POSITIVE_INFINITY))
                .thenApply(HashSet::new);
    }

    /** The live nodes' subscriptions in one channel's occupancy. */
    private static int subscriptions(Set<String> live, Map<String, String> occupancy) {
        int sum = 0;
        for (Map.Entry<String, String> held : occupancy.entrySet()) {
            if (live.contains(held.getKey())) {
                sum += Integer.parseInt(held.getValue());
            }
        }
        return sum;
    }

    @Override
    public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
        return ask(
                () ->
                        live().thenCombine(
                                        redis.hgetall(keys.occupancy(appId, channel)),
                                        RedisClusterView::subscriptions));
    }

    @Override
    public CompletionStage<Integer> userCount(String appId, String channel) {
        return members(appId, channel).thenApply(List::size);
    }

    @Override
    public CompletionStage<List<Member>> members(String appId, String channel) {
        return ask(
                () -> live().thenCombine(nodeMembers(appId, channel), RedisClusterView::members));
    }

    /** Every node's members of the channel, as members.lua answers. */
    private CompletionStage<List<Object>> nodeMembers(String appId, String channel) {
        return redis.eval(
                Scripts.MEMBERS,
                ScriptOutputType.MULTI,
                new String[] {keys.memberNodes(appId, channel)},
                keys.membersStem(appId, channel));
    }

    /** The live nodes' members, each user once. */
    private static List<Member> members(Set<String> live, List<Object> byNode) {
        Map<String, Member> members = new LinkedHashMap<>();
        for (int i = 0; i + 1 < byNode.size(); i += 2) {
            if (!live.contains((String) byNode.get(i))) {
                continue;
            }
            List<?> flat = (List<?>) byNode.get(i + 1);
            for (int j = 0; j + 1 < flat.size(); j += 2) {
                String info = (String) flat.get(j + 1);
                members.putIfAbsent(
                        (String) flat.get(j),
                        new Member((String) flat.get(j), info.isEmpty() ? null : info));
            }
        }
        return new ArrayList<>(members.values());
    }

    @Override
    public CompletionStage<Map<String, Counts>> channels(String appId) {
        return channels(appId, false);
    }

    @Override
    public CompletionStage<Map<String, Counts>> allChannels(String appId) {
        return channels(appId, true);
    }

    /**
     * Sums the live nodes' shares of the app node by node, then counts each presence channel's
     * users.
     */
    private CompletionStage<Map<String, Counts>> channels(String appId, boolean hidden) {
        return ask(
                () ->
                        live().thenCompose(
                                        live -> {
                                            List<CompletableFuture<Map<String, String>>> shares =
                                                    new ArrayList<>();
                                            for (String node : live) {
                                                shares.add(
                                                        redis.hgetall(
                                                                        keys.subscriptions(
                                                                                node, appId))
                                                                .toCompletableFuture());
                                            }
                                            return all(shares)
                                                    .thenCompose(
                                                            held ->
                                                                    counts(
                                                                            appId, hidden, live,
                                                                            held));
                                        }));
    }

    private CompletionStage<Map<String, Counts>> counts(
            String appId, boolean hidden, Set<String> live, List<Map<String, String>> shares) {
        Map<String, Integer> subscriptions = new LinkedHashMap<>();
        for (Map<String, String> share : shares) {
            share.forEach(
                    (channel, count) ->
                    // the server's own channels are no one's business but the console's
                    {
                        if (hidden || !ChannelKind.of(channel).isHidden()) {
                            subscriptions.merge(channel, Integer.parseInt(count), Integer::sum);
                        }
                    });
        }
        Map<String, CompletableFuture<List<Object>>> presence = new LinkedHashMap<>();
        subscriptions.forEach(
                (channel, count) -> {
                    if (count > 0 && ChannelKind.of(channel).isPresence()) {
                        presence.put(channel, nodeMembers(appId, channel).toCompletableFuture());
                    }
                });
        return CompletableFuture.allOf(presence.values().toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        done -> {
                            Map<String, Counts> channels = new LinkedHashMap<>();
                            subscriptions.forEach(
                                    (channel, count) -> {
                                        if (count <= 0) {
                                            return;
                                        }
                                        CompletableFuture<List<Object>> users =
                                                presence.get(channel);
                                        channels.put(
                                                channel,
                                                new Counts(
                                                        count,
                                                        users == null
                                                                ? 0
                                                                : members(live, users.join())
                                                                        .size()));
                                    });
                            return channels;
                        });
    }

    @Override
    public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
        return ask(
                () -> {
                    Map<String, CompletableFuture<Map<String, String>>> held =
                            new LinkedHashMap<>();
                    for (String channel : new LinkedHashSet<>(channels)) {
                        held.put(
                                channel,
                                redis.hgetall(keys.occupancy(appId, channel))
                                        .toCompletableFuture());
                    }
                    return live().thenCombine(
                                    all(new ArrayList<>(held.values())),
                                    (live, occupancies) -> {
                                        Set<String> occupied = new HashSet<>();
                                        int i = 0;
                                        for (String channel : held.keySet()) {
                                            if (subscriptions(live, occupancies.get(i++)) > 0) {
                                                occupied.add(channel);
                                            }
                                        }
                                        return occupied;
                                    });
                });
    }

    private static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> replies) {
        return CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        done -> {
                            List<T> values = new ArrayList<>(replies.size());
                            replies.forEach(reply -> values.add(reply.join()));
                            return values;
                        });
    }
}
