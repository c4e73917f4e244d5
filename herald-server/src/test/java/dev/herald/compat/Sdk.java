package dev.herald.compat;

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
import java.util.List;
import java.util.Map;

/** The official server SDK, pusher-http-java, pointed at a Herald process. */
final class Sdk {

    private Sdk() {}

    /** An SDK with the server's own credentials. */
    static Pusher of(HeraldProcess herald) {
        return of(herald, herald.appId(), herald.appKey(), herald.appSecret());
    }

    static Pusher of(HeraldProcess herald, String appId, String key, String secret) {
        Pusher pusher = new Pusher(appId, key, secret);
        pusher.setHost(HeraldProcess.HOST + ":" + herald.port());
        pusher.setRequestTimeout(10_000);
        return pusher;
    }

    /**
     * A client-side authorizer that signs like an app's auth endpoint would, with {@code
     * authenticate(socketId, channel)} for private channels and {@code authenticate(socketId,
     * channel, PresenceUser)} for presence channels.
     */
    static ChannelAuthorizer authorizer(Pusher sdk, String userId, Map<String, ?> userInfo) {
        return (channel, socketId) ->
                channel.startsWith("presence-")
                        ? sdk.authenticate(socketId, channel, new PresenceUser(userId, userInfo))
                        : sdk.authenticate(socketId, channel);
    }

    /**
     * The {@code auth} of a {@code pusher:signin}: {@code key:hex(HMAC_SHA256(secret,
     * socket_id::user::user_data))} (docs/protocol.md §4.1). pusher-http-java 1.3.4 has no {@code
     * authenticateUser}, so {@link RawWebSocket#userAuth} writes it out from protocol §4.1; it is
     * checked against the worked example there in {@link UserAuthenticationIT}.
     */
    static String userAuth(String key, String secret, String socketId, String userData) {
        return RawWebSocket.userAuth(key, secret, socketId, userData);
    }

    /**
     * A pusher-java-client {@link UserAuthenticator} that answers as an app's user-auth endpoint
     * would: {@code {"auth":..., "user_data":...}} signed with {@code secret}.
     */
    static UserAuthenticator userAuthenticator(String key, String secret, String userData) {
        return socketId ->
                Json.write(
                        Map.of(
                                "auth",
                                userAuth(key, secret, socketId, userData),
                                "user_data",
                                userData));
    }

    /**
     * What the SDKs' {@code sendToUser} does (protocol §4.3): an event to {@code
     * #server-to-user-<id>}. pusher-http-java 1.3.4 has no {@code sendToUser} and its {@code
     * trigger} refuses the {@code #} name, so this goes through the SDK's generic signed {@code
     * post}.
     */
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

    /**
     * {@code POST /users/<id>/terminate_connections} with body {@code {}} (protocol §4.5), through
     * the SDK's generic signed {@code post}: pusher-http-java 1.3.4 has no {@code
     * terminateUserConnections}.
     */
    static Result terminateUserConnections(Pusher sdk, String userId) {
        return sdk.post("/users/" + userId + "/terminate_connections", "{}");
    }

    /** GETs a signed API path and returns the JSON body; fails unless the answer is 200. */
    static JsonNode get(Pusher sdk, String path, Map<String, String> params) {
        return Json.parse(ok(sdk.get(path, params)).getMessage());
    }

    /** Fails with the server's answer unless the call succeeded. */
    static Result ok(Result result) {
        return Results.ok(result);
    }
}
