package dev.herald.cluster;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.UserAuthenticator;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The official server SDK, pusher-http-java 1.3.4, pointed at one node. The calls it has no method
 * for (sendToUser, terminate_connections) are in {@link ServerSdk}.
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

    /** The ids of {@code GET /channels/<channel>/users}, sorted. */
    static List<String> userIds(Pusher sdk, String channel) {
        TreeSet<String> ids = new TreeSet<>();
        ServerSdk.get(sdk, "/channels/" + channel + "/users", Map.of())
                .path("users")
                .forEach(u -> ids.add(u.path("id").asText()));
        return List.copyOf(ids);
    }
}
