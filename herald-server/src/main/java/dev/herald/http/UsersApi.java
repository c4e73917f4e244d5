package dev.herald.http;

import dev.herald.apps.App;
import dev.herald.hub.Connection;
import dev.herald.hub.Hub;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Json;
import dev.herald.protocol.PusherError;

/** {@code POST /apps/{id}/users/{user_id}/terminate_connections} (spec §4.5). */
final class UsersApi {

    static final String TERMINATED = "You got disconnected by the app.";

    private final Hub hub;

    UsersApi(Hub hub) {
        this.hub = hub;
    }

    /**
     * Closes, with 4009, every connection signed in as the user: they are exactly the subscribers
     * of the user's {@code #server-to-user-} channel. Connections that only joined presence channels
     * as that user are not signed in and stay, as Pusher documents.
     */
    Object terminateConnections(App app, String userId) {
        hub.forEachSubscriber(app.id(), ChannelKind.userChannel(userId), UsersApi::terminate);
        return Json.MAPPER.createObjectNode();
    }

    private static void terminate(Connection c) {
        c.close(PusherError.UNAUTHORIZED_CLOSE, TERMINATED);
    }
}
