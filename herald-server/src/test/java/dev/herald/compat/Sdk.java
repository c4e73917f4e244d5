package dev.herald.compat;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.UserAuthenticator;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
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
}
