package dev.herald.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.ChannelAuthorizer;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import java.util.Map;

/** The official server SDK, pusher-http-java, pointed at a Herald process. */
final class Sdk {

    private Sdk() {
    }

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
     * A client-side authorizer that signs like an app's auth endpoint would, with
     * {@code authenticate(socketId, channel)} for private channels and
     * {@code authenticate(socketId, channel, PresenceUser)} for presence channels.
     */
    static ChannelAuthorizer authorizer(Pusher sdk, String userId, Map<String, ?> userInfo) {
        return (channel, socketId) -> channel.startsWith("presence-")
                ? sdk.authenticate(socketId, channel, new PresenceUser(userId, userInfo))
                : sdk.authenticate(socketId, channel);
    }

    /** GETs a signed API path and returns the JSON body; fails unless the answer is 200. */
    static JsonNode get(Pusher sdk, String path, Map<String, String> params) {
        return Json.parse(ok(sdk.get(path, params)).getMessage());
    }

    /** Fails with the server's answer unless the call succeeded. */
    static Result ok(Result result) {
        if (result.getStatus() != Result.Status.SUCCESS) {
            throw new AssertionError("expected SUCCESS, got " + result.getStatus() + " " + result.getHttpStatus()
                    + ": " + result.getMessage());
        }
        return result;
    }
}
