package dev.herald.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.apps.AppLimits;
import dev.herald.apps.HistoryRule;
import dev.herald.auth.ChannelAuthenticator;
import dev.herald.cache.CachedEvent;
import dev.herald.hub.Connection;
import dev.herald.hub.Hub;
import dev.herald.hub.Subscription;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import dev.herald.protocol.PusherError;
import dev.herald.protocol.RecoveryRequest;
import dev.herald.protocol.SubscriptionRefusal;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pusher:subscribe} and {@code pusher:unsubscribe} (docs/protocol.md §3.2–3.5): name rules,
 * limits, signatures, presence membership, and the member events that follow. Shared by all
 * connections; every call runs on the connection's event loop. A refused subscription never closes
 * the connection: it gets {@code pusher:error} and {@code pusher:subscription_error}.
 */
public final class SubscribeHandler {

    private final SessionContext context;
    private final RecoveryHandler recovery;

    public SubscribeHandler(SessionContext context, RecoveryHandler recovery) {
        this.context = context;
        this.recovery = recovery;
    }

    void subscribe(Connection c, ClientMessage message) throws ClientMessage.Malformed {
        JsonNode data = message.dataObject();
        String channel = ClientMessage.text(data, "channel");
        AppLimits limits = c.app().limits();
        String nameProblem = ChannelNames.problem(channel, limits.maxChannelNameLength());
        if (nameProblem != null) {
            refuse(
                    c,
                    channel == null ? "" : channel,
                    PusherError.INVALID_CHANNEL,
                    SubscriptionRefusal.INVALID_CHANNEL,
                    "Invalid channel name",
                    nameProblem);
            return;
        }
        Subscription existing = c.subscription(channel);
        if (existing != null) {
            // idempotent: answer again, with the current member list on presence channels
            answer(
                    c,
                    new Hub.Joined(
                            existing, false, false, context.hub().members(c.app().id(), channel)),
                    false,
                    null,
                    null);
            return;
        }
        if (c.clientSubscriptionCount() >= limits.maxChannelsPerConnection()) {
            refuse(
                    c,
                    channel,
                    PusherError.TOO_MANY_CHANNELS,
                    SubscriptionRefusal.TOO_MANY_CHANNELS,
                    "Too many channels",
                    "Too many channels: a connection may subscribe to at most "
                            + limits.maxChannelsPerConnection());
            return;
        }
        ChannelKind kind = ChannelKind.of(channel);
        String auth = ClientMessage.text(data, "auth");
        String channelData = channelData(data);
        Member member = null;
        switch (kind.auth()) {
            case NONE -> {
                // public and cache channels need no signature
            }
            case PRIVATE -> {
                if (!checkSignature(c, channel, auth, null)) {
                    return;
                }
            }
            case PRESENCE -> {
                if (channelData == null && c.user() == null) {
                    refuse(
                            c,
                            channel,
                            PusherError.INVALID_PRESENCE_DATA,
                            SubscriptionRefusal.NOT_AUTHORIZED,
                            "Missing channel_data",
                            "Presence channels need channel_data with a user_id, or a signed-in connection");
                    return;
                }
                if (!checkSignature(c, channel, auth, channelData)) {
                    return;
                }
                // without channel_data the member is the signed-in user (pusher-js 7.4+, protocol
                // §3.5)
                member =
                        channelData == null
                                ? new Member(c.user().id(), c.user().userInfo())
                                : member(c, channel, channelData, limits);
                if (member == null) {
                    return;
                }
            }
            case SIGNED_IN_USER, NEVER -> {
                refuse(
                        c,
                        channel,
                        PusherError.UNAUTHORIZED,
                        SubscriptionRefusal.NOT_AUTHORIZED,
                        "Not allowed",
                        "Only the signed-in user's own connections may subscribe to " + channel);
                return;
            }
            default -> throw new IllegalStateException(kind.auth().toString());
        }
        RecoveryRequest request;
        try {
            request = recovery.request(c, channel, data);
        } catch (RecoveryHandler.Refused e) {
            // the subscription goes ahead, without positions
            c.sendError(PusherError.INVALID_MESSAGE, "Invalid herald_recovery: " + e.getMessage());
            request = null;
        }
        HistoryRule rule = request == null ? null : c.app().historyRule(channel);
        Hub.Joined joined =
                context.hub()
                        .subscribe(c, channel, member, limits.maxPresenceMembers(), rule != null);
        if (joined.presenceFull()) {
            refuse(
                    c,
                    channel,
                    PusherError.PRESENCE_FULL,
                    SubscriptionRefusal.PRESENCE_FULL,
                    "Presence channel is full",
                    "Presence channel "
                            + channel
                            + " is full: at most "
                            + limits.maxPresenceMembers()
                            + " members");
            return;
        }
        if (kind.auth() != ChannelKind.Auth.NONE) {
            c.markAuthorized();
        }
        if (context.tap().watching(c.app().id())) {
            context.report(c, ActivityEvent.Kind.SUBSCRIBED, channel, null, null, Map.of());
        }
        answer(c, joined, kind.isCached(), request, rule);
    }

    /**
     * Sends {@code subscription_succeeded} (with the cluster-wide member list on presence
     * channels), then the cache replay or miss on cache channels, then, when the client asked, the
     * recovery of what it missed. All may need the cluster's answer; with one node they are already
     * known and this runs at once.
     */
    private void answer(
            Connection c,
            Hub.Joined joined,
            boolean cached,
            RecoveryRequest request,
            HistoryRule rule) {
        Subscription subscription = joined.subscription();
        String channel = subscription.channel().name();
        String appId = c.app().id();
        CompletableFuture<List<Member>> members =
                subscription.member() == null
                        ? CompletableFuture.completedFuture(List.of())
                        : context.view().members(appId, channel).toCompletableFuture();
        CompletableFuture<CachedEvent> last =
                cached
                        ? context.cache().get(appId, channel).toCompletableFuture()
                        : CompletableFuture.completedFuture(null);
        // answered once other nodes' publications reach this node too (at once with one node)
        CompletableFuture<Void> both =
                CompletableFuture.allOf(
                        members, last, subscription.channel().routed().toCompletableFuture());
        Runnable send =
                () -> {
                    if (c.subscription(channel) != subscription) {
                        return; // left (or closed) while the cluster answered
                    }
                    List<Member> list =
                            members.isCompletedExceptionally() ? joined.members() : members.join();
                    c.send(succeeded(subscription, list));
                    if (cached) {
                        CachedEvent event = last.isCompletedExceptionally() ? null : last.join();
                        if (event != null) {
                            c.send(Frames.event(event.event(), channel, event.data()));
                        } else {
                            c.send(Frames.cacheMiss(channel));
                            context.observer().cacheMiss(c.app(), channel);
                        }
                    }
                    if (request != null) {
                        recovery.start(c, subscription, request, rule);
                    }
                };
        if (both.isDone()) {
            send.run();
        } else {
            both.whenComplete((v, e) -> c.execute(send));
        }
    }

    private static String channelData(JsonNode data) {
        JsonNode node = data.get("channel_data");
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.asText() : node.toString();
    }

    private static ByteBuf succeeded(Subscription subscription, List<Member> members) {
        String channel = subscription.channel().name();
        return subscription.member() != null
                ? Frames.presenceSubscriptionSucceeded(channel, members)
                : Frames.subscriptionSucceeded(channel);
    }

    private boolean checkSignature(Connection c, String channel, String auth, String channelData) {
        ChannelAuthenticator authenticator = context.authenticators().channel(c.app());
        String toSign =
                ChannelAuthenticator.channelStringToSign(c.socketId(), channel, channelData);
        if (authenticator.verify(auth, toSign)) {
            return true;
        }
        boolean missing = auth == null || auth.isEmpty();
        String why =
                missing
                        ? "Missing auth: " + channel + " needs a signature from your auth endpoint"
                        : "Invalid signature: Expected HMAC SHA256 hex digest of "
                                + ClientInput.quote(toSign)
                                + ", but got "
                                + ClientInput.quote(auth);
        refuse(
                c,
                channel,
                PusherError.UNAUTHORIZED,
                SubscriptionRefusal.NOT_AUTHORIZED,
                missing ? "Missing auth" : "Invalid signature",
                why);
        return false;
    }

    private Member member(Connection c, String channel, String channelData, AppLimits limits) {
        JsonNode parsed;
        try {
            parsed = Json.MAPPER.readTree(channelData);
        } catch (JsonProcessingException e) {
            parsed = null;
        }
        JsonNode userId = parsed == null || !parsed.isObject() ? null : parsed.get("user_id");
        if (userId == null
                || !(userId.isTextual() || userId.isNumber())
                || userId.asText().isEmpty()) {
            refuse(
                    c,
                    channel,
                    PusherError.INVALID_PRESENCE_DATA,
                    SubscriptionRefusal.INVALID_CHANNEL_DATA,
                    "Invalid channel_data",
                    "channel_data must be a JSON object with a user_id string or number");
            return null;
        }
        if (userId.asText().length() > ClientInput.MAX_USER_ID_LENGTH) {
            refuse(
                    c,
                    channel,
                    PusherError.INVALID_PRESENCE_DATA,
                    SubscriptionRefusal.MEMBER_TOO_LARGE,
                    "user_id too long",
                    "user_id is longer than " + ClientInput.MAX_USER_ID_LENGTH + " characters");
            return null;
        }
        JsonNode info = parsed.get("user_info");
        String userInfo = info == null || info.isNull() ? null : info.toString();
        if (userInfo != null
                && userInfo.getBytes(StandardCharsets.UTF_8).length
                        > limits.maxPresenceUserInfoBytes()) {
            refuse(
                    c,
                    channel,
                    PusherError.INVALID_PRESENCE_DATA,
                    SubscriptionRefusal.MEMBER_TOO_LARGE,
                    "user_info too large",
                    "user_info is larger than " + limits.maxPresenceUserInfoBytes() + " bytes");
            return null;
        }
        return new Member(userId.asText(), userInfo);
    }

    private static final org.slf4j.Logger log =
            org.slf4j.LoggerFactory.getLogger(SubscribeHandler.class);

    /**
     * One refusal, one answer in the two parts protocol §3.4 describes: {@code pusher:error} says
     * why (quoting client input at most {@value ClientInput#MAX_QUOTED} characters), and {@code
     * pusher:subscription_error} on the channel, which pusher-js hands to the app, carries only the
     * short {@code brief}, so the explanation is not sent twice. A name too long to be a channel is
     * quoted like any other input, even in the channel field.
     */
    private void refuse(
            Connection c,
            String channel,
            PusherError error,
            SubscriptionRefusal refusal,
            String brief,
            String why) {
        log.atDebug()
                .addKeyValue("app", c.app().id())
                .addKeyValue("socket", c.socketId())
                .addKeyValue("channel", ClientInput.quote(channel))
                .addKeyValue("code", error.code())
                .log("subscription refused: {}", why);
        c.sendError(error, why);
        String echoed =
                channel.length() <= ClientInput.MAX_ECHOED_CHANNEL_LENGTH
                        ? channel
                        : ClientInput.quote(channel);
        c.send(Frames.subscriptionError(echoed, refusal.type(), brief, refusal.status()));
    }

    void unsubscribe(Connection c, ClientMessage message) throws ClientMessage.Malformed {
        String channel = ClientMessage.text(message.dataObject(), "channel");
        Subscription subscription = channel == null ? null : c.subscription(channel);
        // the user channel belongs to the sign-in, not to the client's subscriptions
        if (subscription != null && !subscription.channel().kind().isHidden()) {
            leave(c, subscription);
        }
    }

    /** The connection is gone: leave every channel. */
    void unsubscribeAll(Connection c) {
        for (Subscription s : new ArrayList<>(c.subscriptions())) {
            leave(c, s);
        }
    }

    private void leave(Connection c, Subscription subscription) {
        context.hub().unsubscribe(c, subscription);
        if (context.tap().watching(c.app().id())) {
            context.report(
                    c,
                    ActivityEvent.Kind.UNSUBSCRIBED,
                    subscription.channel().name(),
                    null,
                    null,
                    Map.of());
        }
    }
}
