package dev.herald.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.apps.App;
import dev.herald.cache.CachedEvent;
import dev.herald.cache.ChannelCache;
import dev.herald.hub.Hub;
import dev.herald.hub.LocalChannel;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import java.util.List;
import java.util.Map;

/**
 * Channel queries (spec §5.5–5.7): the occupied channels, one channel's state, and a presence
 * channel's users.
 */
final class ChannelsApi {

    private final Hub hub;
    private final ChannelCache cache;

    ChannelsApi(Hub hub, ChannelCache cache) {
        this.hub = hub;
        this.cache = cache;
    }

    Object list(App app, Map<String, List<String>> params) throws ApiException {
        String prefix = first(params, "filter_by_prefix");
        List<String> info = InfoAttributes.parse(first(params, "info"), false);
        boolean userCount = info.contains(InfoAttributes.USER_COUNT);
        if (userCount && (prefix == null || !prefix.startsWith("presence-"))) {
            throw ApiException.badRequest("info=user_count is only available for presence channels: "
                    + "add filter_by_prefix=presence-");
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        ObjectNode channels = response.putObject("channels");
        for (LocalChannel channel : hub.channels(app.id())) {
            String name = channel.name();
            if (channel.kind().isHidden() || (prefix != null && !name.startsWith(prefix))) {
                continue;
            }
            ObjectNode node = channels.putObject(name);
            if (userCount) {
                node.put("user_count", channel.userCount());
            }
            if (info.contains(InfoAttributes.SUBSCRIPTION_COUNT)) {
                node.put("subscription_count", channel.subscriptionCount());
            }
        }
        return response;
    }

    Object channel(App app, String name, Map<String, List<String>> params) throws ApiException {
        checkName(app, name);
        List<String> info = InfoAttributes.parse(first(params, "info"), true);
        boolean presence = ChannelKind.of(name).isPresence();
        if (info.contains(InfoAttributes.USER_COUNT) && !presence) {
            throw ApiException.badRequest("info=user_count is only available for presence channels, not " + name);
        }
        LocalChannel channel = hub.channel(app.id(), name);
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("occupied", channel != null);
        if (info.contains(InfoAttributes.USER_COUNT)) {
            response.put("user_count", channel == null ? 0 : channel.userCount());
        }
        if (info.contains(InfoAttributes.SUBSCRIPTION_COUNT)) {
            response.put("subscription_count", channel == null ? 0 : channel.subscriptionCount());
        }
        if (info.contains(InfoAttributes.CACHE)) {
            if (!ChannelKind.of(name).isCached()) {
                throw ApiException.badRequest("info=cache is only available for cache channels, not " + name);
            }
            long now = System.currentTimeMillis();
            CachedEvent cached = cache.get(app.id(), name);
            if (cached != null) {
                ObjectNode node = response.putObject("cache");
                node.put("event", cached.event());
                node.put("data", cached.data());
                node.put("ttl", cached.ttlSeconds(now));
            }
        }
        return response;
    }

    Object users(App app, String name) throws ApiException {
        checkName(app, name);
        if (!ChannelKind.of(name).isPresence()) {
            throw ApiException.badRequest("Users can only be listed for presence channels, not " + name);
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        ArrayNode users = response.putArray("users");
        for (Member member : hub.members(app.id(), name)) {
            users.addObject().put("id", member.userId());
        }
        return response;
    }

    private static void checkName(App app, String name) throws ApiException {
        String problem = ChannelNames.problem(name, app.limits().maxChannelNameLength());
        if (problem != null) {
            throw ApiException.badRequest(problem + ": " + name);
        }
    }

    static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
