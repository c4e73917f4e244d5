package dev.herald.redis;

import dev.herald.cluster.ClusterView;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Cluster-wide answers, each one script over the live nodes' state. Questions are sent from the
 * cluster thread, after this node's pending bookkeeping, so a subscriber's own join is always in
 * the member list it is answered with.
 */
public final class RedisClusterView implements ClusterView {

    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;
    private final String[] nodes;
    private final Executor thread;

    public RedisClusterView(RedisConnections connections) {
        this.redis = connections.commands();
        this.keys = connections.keys();
        this.nodes = new String[] {keys.nodes()};
        this.thread = connections.thread();
    }

    private <T> CompletionStage<T> eval(String script, ScriptOutputType type, String... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        thread.execute(
                () ->
                        redis.<T>eval(script, type, nodes, args)
                                .whenComplete(
                                        (value, error) -> {
                                            if (error != null) {
                                                result.completeExceptionally(error);
                                            } else {
                                                result.complete(value);
                                            }
                                        }));
        return result;
    }

    private static String now() {
        return Long.toString(System.currentTimeMillis());
    }

    @Override
    public CompletionStage<Integer> subscriptionCount(String appId, String channel) {
        return this.<Long>eval(
                        Scripts.SUBSCRIPTIONS,
                        ScriptOutputType.INTEGER,
                        now(),
                        channel,
                        keys.nodePrefix(),
                        RedisKeys.subscriptionsSuffix(appId))
                .thenApply(Long::intValue);
    }

    @Override
    public CompletionStage<Integer> userCount(String appId, String channel) {
        return members(appId, channel).thenApply(List::size);
    }

    @Override
    public CompletionStage<List<Member>> members(String appId, String channel) {
        return this.<List<Object>>eval(
                        Scripts.MEMBERS,
                        ScriptOutputType.MULTI,
                        now(),
                        keys.nodePrefix(),
                        RedisKeys.membersSuffix(appId, channel))
                .thenApply(
                        flat -> {
                            List<Member> members = new ArrayList<>(flat.size() / 2);
                            for (int i = 0; i + 1 < flat.size(); i += 2) {
                                String info = (String) flat.get(i + 1);
                                members.add(
                                        new Member(
                                                (String) flat.get(i),
                                                info.isEmpty() ? null : info));
                            }
                            return members;
                        });
    }

    @Override
    public CompletionStage<Map<String, Counts>> channels(String appId) {
        return channels(appId, false);
    }

    @Override
    public CompletionStage<Map<String, Counts>> allChannels(String appId) {
        return channels(appId, true);
    }

    private CompletionStage<Map<String, Counts>> channels(String appId, boolean hidden) {
        return this.<List<Object>>eval(
                        Scripts.CHANNELS,
                        ScriptOutputType.MULTI,
                        now(),
                        keys.nodePrefix(),
                        RedisKeys.subscriptionsSuffix(appId),
                        RedisKeys.membersStem(appId),
                        ChannelKind.PRESENCE.prefix())
                .thenApply(
                        flat -> {
                            Map<String, Counts> channels = new LinkedHashMap<>();
                            for (int i = 0; i + 2 < flat.size(); i += 3) {
                                String channel = (String) flat.get(i);
                                // the server's own channels are no one's business but the console's
                                if (hidden || !ChannelKind.of(channel).isHidden()) {
                                    channels.put(
                                            channel,
                                            new Counts(
                                                    Integer.parseInt((String) flat.get(i + 1)),
                                                    Integer.parseInt((String) flat.get(i + 2))));
                                }
                            }
                            return channels;
                        });
    }

    @Override
    public CompletionStage<Set<String>> occupied(String appId, Collection<String> channels) {
        List<String> args = new ArrayList<>(channels.size() + 3);
        args.add(now());
        args.add(keys.nodePrefix());
        args.add(RedisKeys.subscriptionsSuffix(appId));
        args.addAll(channels);
        return this.<List<Object>>eval(
                        Scripts.OCCUPIED, ScriptOutputType.MULTI, args.toArray(new String[0]))
                .thenApply(
                        flat -> {
                            Set<String> occupied = new HashSet<>();
                            for (Object o : flat) {
                                occupied.add((String) o);
                            }
                            return occupied;
                        });
    }
}
