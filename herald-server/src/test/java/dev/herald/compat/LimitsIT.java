package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.ServerSdk;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A configured limit as pusher-java-client lives with it: a presence channel capped at 2 members
 * refuses a third user (4306) and the client stays connected. The limits' rules, frame by frame,
 * are in-process in {@code LimitsTest}.
 */
class LimitsIT {

    private static final int MAX_PRESENCE_MEMBERS = 2;
    private static final int CLIENT_EVENTS_PER_SECOND = 3;
    private static final int MAX_CHANNELS = 5;

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "limits",
                        Map.of(
                                "HERALD_MAX_PRESENCE_MEMBERS",
                                        Integer.toString(MAX_PRESENCE_MEMBERS),
                                "HERALD_CLIENT_EVENTS_PER_SECOND",
                                        Integer.toString(CLIENT_EVENTS_PER_SECOND),
                                "HERALD_MAX_CHANNELS_PER_CONNECTION",
                                        Integer.toString(MAX_CHANNELS)));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private JavaClient javaClient(String userId) {
        return open.track(JavaClient.connected(herald, userId));
    }

    @Test
    void refusesAMemberBeyondThePresenceCapWith4306ButAcceptsAnotherSocketOfAMember() {
        String room = "presence-capped";
        javaClient("alice").subscribePresence(room);
        JavaClient.Recorder bobRoom = javaClient("bob").subscribePresence(room);
        JavaClient carol = javaClient("carol");

        JavaClient.Recorder carolRoom = carol.subscribePresenceAsync(room);

        await("carol refused with 4306")
                .atMost(JavaClient.WAIT)
                .until(() -> carol.errorCodes().contains("4306"));
        assertThat(carolRoom.awaitEvent("pusher:subscription_error").getData()).contains("status");
        assertThat(carolRoom.succeeded).isFalse();
        assertThat(carol.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);

        JavaClient.Recorder alicesSecondRoom = javaClient("alice").subscribePresence(room);
        assertThat(alicesSecondRoom.usersInformation.get(0))
                .extracting(u -> u.getId())
                .containsExactlyInAnyOrder("alice", "bob");
        bobRoom.fence(sdk);
        assertThat(bobRoom.subscribedIds()).as("carol never joined").doesNotContain("carol");
        JsonNode channel = ServerSdk.get(sdk, "/channels/" + room, Map.of("info", "user_count"));
        assertThat(channel.path("user_count").asInt()).isEqualTo(MAX_PRESENCE_MEMBERS);
    }
}
