package dev.herald.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.apps.App;
import dev.herald.cache.CachedEvent;
import dev.herald.cache.ChannelCache;
import dev.herald.cluster.ClusterView;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Channel queries (docs/protocol.md §5.5–5.7): the occupied channels, one channel's state, and a
 * presence channel's users.
 */
final class ChannelsApi {

    private final ClusterView view;
    private final ChannelCache cache;

    ChannelsApi(ClusterView view, ChannelCache cache) {
        this.view = view;
        this.cache = cache;
    }

    CompletionStage<Object> list(App app, Map<String, List<String>> params) throws ApiException {
        String prefix = HttpRouter.first(params, "filter_by_prefix");
        List<String> info = InfoAttributes.parse(HttpRouter.first(params, "info"), false);
        boolean userCount = info.contains(InfoAttributes.USER_COUNT);
        if (userCount && (prefix == null || !prefix.startsWith("presence-"))) {
            throw ApiException.badRequest(
                    "info=user_count is only available for presence channels: "
                            + "add filter_by_prefix=presence-");
        }
        boolean subscriptionCount = info.contains(InfoAttributes.SUBSCRIPTION_COUNT);
        return view.channels(app.id())
                .thenApply(
                        all -> {
                            ObjectNode response = Json.MAPPER.createObjectNode();
                            ObjectNode channels = response.putObject("channels");
                            new TreeMap<>(all)
                                    .forEach(
                                            (name, counts) -> {
                                                if (ChannelKind.of(name).isHidden()
                                                        || (prefix != null
                                                                && !name.startsWith(prefix))) {
                                                    return;
                                                }
                                                ObjectNode node = channels.putObject(name);
                                                if (userCount) {
                                                    node.put("user_count", counts.users());
                                                }
                                                if (subscriptionCount) {
                                                    node.put(
                                                            "subscription_count",
                                                            counts.subscriptions());
                                                }
                                            });
                            return response;
                        });
    }

    CompletionStage<Object> channel(App app, String name, Map<String, List<String>> params)
            throws ApiException {
        checkName(app, name);
        List<String> info = InfoAttributes.parse(HttpRouter.first(params, "info"), true);
        boolean presence = ChannelKind.of(name).isPresence();
        if (info.contains(InfoAttributes.USER_COUNT) && !presence) {
            throw ApiException.badRequest(
                    "info=user_count is only available for presence channels, not " + name);
        }
        boolean wantsCache = info.contains(InfoAttributes.CACHE);
        if (wantsCache && !ChannelKind.of(name).isCached()) {
            throw ApiException.badRequest(
                    "info=cache is only available for cache channels, not " + name);
        }
        CompletableFuture<Integer> subscriptions =
                view.subscriptionCount(app.id(), name).toCompletableFuture();
        CompletableFuture<Integer> users =
                presence
                        ? view.userCount(app.id(), name).toCompletableFuture()
                        : CompletableFuture.completedFuture(0);
        CompletableFuture<CachedEvent> cached =
                wantsCache
                        ? cache.get(app.id(), name).toCompletableFuture()
                        : CompletableFuture.completedFuture(null);
        return CompletableFuture.allOf(subscriptions, users, cached)
                .thenApply(
                        done -> {
                            ObjectNode response = Json.MAPPER.createObjectNode();
                            response.put("occupied", subscriptions.join() > 0);
                            if (info.contains(InfoAttributes.USER_COUNT)) {
                                response.put("user_count", users.join());
                            }
                            if (info.contains(InfoAttributes.SUBSCRIPTION_COUNT)) {
                                response.put("subscription_count", subscriptions.join());
                            }
                            CachedEvent event = cached.join();
                            if (event != null) {
                                ObjectNode node = response.putObject("cache");
                                node.put("event", event.event());
                                node.put("data", event.data());
                                node.put("ttl", event.ttlSeconds(System.currentTimeMillis()));
                            }
                            return response;
                        });
    }

    CompletionStage<Object> users(App app, String name) throws ApiException {
        checkName(app, name);
        if (!ChannelKind.of(name).isPresence()) {
            throw ApiException.badRequest(
                    "Users can only be listed for presence channels, not " + name);
        }
        return view.members(app.id(), name)
                .thenApply(
                        members -> {
                            ObjectNode response = Json.MAPPER.createObjectNode();
                            ArrayNode users = response.putArray("users");
                            for (Member member : members) {
                                users.addObject().put("id", member.userId());
                            }
                            return response;
                        });
    }

    private static void checkName(App app, String name) throws ApiException {
        String problem = ChannelNames.problem(name, app.limits().maxChannelNameLength());
        if (problem != null) {
            throw ApiException.badRequest(problem + ": " + name);
        }
    }
}
