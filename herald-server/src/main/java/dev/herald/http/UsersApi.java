package dev.herald.http;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.broker.NodeCommand;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;

/** {@code POST /apps/{id}/users/{user_id}/terminate_connections} (docs/protocol.md §4.5). */
final class UsersApi {

    private final Broker broker;

    UsersApi(Broker broker) {
        this.broker = broker;
    }

    /**
     * Closes, with 4009, every connection signed in as the user, on every node. Connections that
     * only joined presence channels as that user are not signed in and stay, as Pusher documents.
     */
    Object terminateConnections(App app, String userId) throws ApiException {
        if (userId.length() > ClientInput.MAX_USER_ID_LENGTH) {
            // no such user can be signed in; refused before it costs every node a command
            throw ApiException.badRequest(
                    "User id is longer than " + ClientInput.MAX_USER_ID_LENGTH + " characters");
        }
        broker.broadcast(NodeCommand.terminateUser(app.id(), userId));
        return Json.MAPPER.createObjectNode();
    }
}
