package dev.herald.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.UserAuthenticator;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.TestApp;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The official server SDK, pusher-http-java 1.3.4, pointed at one node. Where the SDK has no method
 * for a call (sendToUser, terminate_connections) its generic signed {@code post} is used.
 */
final class Api {

    private Api() {}

    static Pusher of(HeraldProcess node) {
        Pusher pusher = new Pusher(node.app().id(), node.app().key(), node.app().secret());
        pusher.setHost(HeraldProcess.HOST + ":" + node.port());
        pusher.setRequestTimeout(15_000);
        return pusher;
    }

    /** Signs channel subscriptions as an app's auth endpoint would; presence as {@code userId}. */
    static ChannelAuthorizer authorizer(Pusher sdk, String userId) {
        return (channel, socketId) ->
                channel.startsWith("presence-")
                        ? sdk.authenticate(
                                socketId,
                                channel,
                                new PresenceUser(userId, Map.of("name", "user " + userId)))
                        : sdk.authenticate(socketId, channel);
    }

    /** {@code key:hex(HMAC_SHA256(secret, socket_id::user::user_data))} (docs/protocol.md §4.1). */
    static String userAuth(TestApp app, String socketId, String userData) {
        return RawWebSocket.userAuth(app.key(), app.secret(), socketId, userData);
    }

    /** Answers pusher-java-client's sign-in as an app's user-auth endpoint would. */
    static UserAuthenticator userAuthenticator(TestApp app, String userId) {
        String userData = "{\"id\":\"" + userId + "\"}";
        return socketId ->
                Json.write(
                        Map.of("auth", userAuth(app, socketId, userData), "user_data", userData));
    }

    /** What the SDKs' {@code sendToUser} does: an event to {@code #server-to-user-<id>}. */
    static Result sendToUser(Pusher sdk, String userId, String event, String data) {
        return sdk.post(
                "/events",
                Json.write(
                        Map.of(
                                "name",
                                event,
                                "channels",
                                List.of("#server-to-user-" + userId),
                                "data",
                                data)));
    }

    static Result terminateUserConnections(Pusher sdk, String userId) {
        return sdk.post("/users/" + userId + "/terminate_connections", "{}");
    }

    /** GETs a signed API path; fails unless the answer is 200. */
    static JsonNode get(Pusher sdk, String path, Map<String, String> params) {
        return Json.parse(ok(sdk.get(path, params)).getMessage());
    }

    /** The ids of {@code GET /channels/<channel>/users}, sorted. */
    static List<String> userIds(Pusher sdk, String channel) {
        TreeSet<String> ids = new TreeSet<>();
        get(sdk, "/channels/" + channel + "/users", Map.of())
                .path("users")
                .forEach(u -> ids.add(u.path("id").asText()));
        return List.copyOf(ids);
    }

    static Result ok(Result result) {
        return Results.ok(result);
    }
}
