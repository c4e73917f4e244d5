package dev.herald.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import java.util.List;
import java.util.Map;

/**
 * The calls of the HTTP API that pusher-http-java 1.3.4 has no method for, made through its generic
 * signed {@code get} and {@code post}, for the compat and cluster tests alike.
 */
public final class ServerSdk {

    private ServerSdk() {}

    /**
     * What the SDKs' {@code sendToUser} does (docs/protocol.md §4.3): an event to {@code
     * #server-to-user-<id>}. The SDK's {@code trigger} refuses the {@code #} name.
     */
    public static Result sendToUser(Pusher sdk, String userId, String event, String data) {
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

    /** {@code POST /users/<id>/terminate_connections} with body {@code {}} (protocol §4.5). */
    public static Result terminateUserConnections(Pusher sdk, String userId) {
        return sdk.post("/users/" + userId + "/terminate_connections", "{}");
    }

    /** GETs a signed API path and returns the JSON body; fails unless the answer is 200. */
    public static JsonNode get(Pusher sdk, String path, Map<String, String> params) {
        return Json.parse(Results.ok(sdk.get(path, params)).getMessage());
    }
}
