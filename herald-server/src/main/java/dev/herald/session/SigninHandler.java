package dev.herald.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.auth.ChannelAuthenticator;
import dev.herald.hub.Connection;
import dev.herald.hub.Hub;
import dev.herald.hub.SignedInUser;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ChannelNames;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.protocol.PusherError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code pusher:signin} (docs/protocol.md §4.1): verifies {@code socket_id::user::user_data}
 * against the exact string received, then joins the socket to its user's {@code #server-to-user-}
 * channel (sending to users, terminating them, and online status all hang off that channel) and to
 * the watchlist channels of the users it watches. A refused sign-in (bad signature, bad user_data)
 * gets 4009 and is closed; a sign-in to an app with user authentication turned off gets 4009 and
 * stays open, as it is a setting to fix, not a client to stop.
 */
public final class SigninHandler {

    private final SessionContext context;

    public SigninHandler(SessionContext context) {
        this.context = context;
    }

    void signin(Connection c, ClientMessage message) throws ClientMessage.Malformed {
        App app = c.app();
        if (!app.features().userAuthentication()) {
            c.sendError(
                    PusherError.UNAUTHORIZED, "User authentication is not enabled for this app");
            return;
        }
        JsonNode data = message.dataObject();
        String auth = ClientMessage.text(data, "auth");
        String userData = ClientMessage.text(data, "user_data");
        if (userData == null) {
            c.close(
                    PusherError.UNAUTHORIZED_CLOSE,
                    "Sign-in needs user_data (a JSON string) and auth");
            return;
        }
        ChannelAuthenticator authenticator = context.authenticators().channel(app);
        String toSign = ChannelAuthenticator.userStringToSign(c.socketId(), userData);
        if (!authenticator.verify(auth, toSign)) {
            c.close(
                    PusherError.UNAUTHORIZED_CLOSE,
                    "Invalid signature: Expected HMAC SHA256 hex digest of "
                            + ClientInput.quote(toSign)
                            + ", but got "
                            + ClientInput.quote(auth));
            return;
        }
        SignedInUser user;
        try {
            user = parse(userData, app.limits().maxWatchlistSize());
        } catch (ClientMessage.Malformed e) {
            c.close(PusherError.UNAUTHORIZED_CLOSE, e.getMessage());
            return;
        }
        SignedInUser current = c.user();
        if (current != null) {
            if (current.id().equals(user.id())) {
                c.send(Frames.signinSuccess(userData));
            } else {
                c.sendError(PusherError.UNAUTHORIZED, "Already signed in as " + current.id());
            }
            return;
        }
        c.signIn(user);
        c.send(Frames.signinSuccess(userData));
        Hub hub = context.hub();
        hub.subscribe(c, ChannelKind.userChannel(user.id()), null, Integer.MAX_VALUE);
        if (app.features().watchlist() && !user.watchlist().isEmpty()) {
            List<String> userChannels = new ArrayList<>();
            for (String watched : user.watchlist()) {
                hub.subscribe(c, ChannelKind.watchlistChannel(watched), null, Integer.MAX_VALUE);
                userChannels.add(ChannelKind.userChannel(watched));
            }
            // a user is online while its user channel is occupied anywhere in the cluster
            context.view()
                    .occupied(app.id(), userChannels)
                    .whenComplete(
                            (occupied, error) ->
                                    c.execute(
                                            () -> {
                                                List<String> online = new ArrayList<>();
                                                List<String> offline = new ArrayList<>();
                                                for (String watched : user.watchlist()) {
                                                    boolean isOnline =
                                                            occupied != null
                                                                    && occupied.contains(
                                                                            ChannelKind.userChannel(
                                                                                    watched));
                                                    (isOnline ? online : offline).add(watched);
                                                }
                                                c.send(Frames.watchlistEvents(online, offline));
                                            }));
        }
    }

    static SignedInUser parse(String userData, int maxWatchlist) throws ClientMessage.Malformed {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(userData);
        } catch (JsonProcessingException e) {
            throw new ClientMessage.Malformed("user_data is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new ClientMessage.Malformed("user_data must be a JSON object");
        }
        JsonNode id = node.get("id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw new ClientMessage.Malformed("user_data must have a non-empty string id");
        }
        checkUserId("user id", id.asText());
        JsonNode info = node.get("user_info");
        String userInfo = info == null || info.isNull() ? null : info.toString();
        Set<String> watchlist = new LinkedHashSet<>();
        JsonNode list = node.get("watchlist");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new ClientMessage.Malformed(
                        "user_data.watchlist must be an array of user ids");
            }
            if (list.size() > maxWatchlist) {
                throw new ClientMessage.Malformed(
                        "user_data.watchlist has "
                                + list.size()
                                + " users; the limit is "
                                + maxWatchlist);
            }
            for (JsonNode w : list) {
                if (!w.isTextual() || w.asText().isEmpty()) {
                    throw new ClientMessage.Malformed(
                            "user_data.watchlist must hold user id strings");
                }
                checkUserId("watchlist user id", w.asText());
                watchlist.add(w.asText());
            }
        }
        return new SignedInUser(id.asText(), userInfo, List.copyOf(watchlist));
    }

    /**
     * A user id names the user's channels, so it must be a valid, bounded part of a channel name.
     */
    private static void checkUserId(String what, String id) throws ClientMessage.Malformed {
        if (id.length() > ClientInput.MAX_USER_ID_LENGTH) {
            throw new ClientMessage.Malformed(
                    what + " is longer than " + ClientInput.MAX_USER_ID_LENGTH + " characters");
        }
        if (ChannelNames.problem(ChannelKind.userChannel(id), Integer.MAX_VALUE) != null) {
            throw new ClientMessage.Malformed(
                    what + " may only use the channel-name characters A-Z a-z 0-9 _ - = @ , . ;");
        }
    }
}
