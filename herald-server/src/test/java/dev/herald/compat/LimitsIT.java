package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.SignatureUtil;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Configured limits and their errors, with small values: 2 presence members, 3 client events
 * per second, 5 channels per connection. Every refusal keeps the connection usable.
 */
class LimitsIT {

    private static final int MAX_PRESENCE_MEMBERS = 2;
    private static final int CLIENT_EVENTS_PER_SECOND = 3;
    private static final int MAX_CHANNELS = 5;

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("limits", Map.of(
                "HERALD_MAX_PRESENCE_MEMBERS", Integer.toString(MAX_PRESENCE_MEMBERS),
                "HERALD_CLIENT_EVENTS_PER_SECOND", Integer.toString(CLIENT_EVENTS_PER_SECOND),
                "HERALD_MAX_CHANNELS_PER_CONNECTION", Integer.toString(MAX_CHANNELS)));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private RawWebSocket connect() {
        return open.track(RawWebSocket.connect(herald));
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

        await("carol refused with 4306").atMost(JavaClient.WAIT).until(() -> carol.errorCodes().contains("4306"));
        assertThat(carolRoom.awaitEvent("pusher:subscription_error").getData()).contains("status");
        assertThat(carolRoom.succeeded).isFalse();
        assertThat(carol.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);

        JavaClient.Recorder alicesSecondRoom = javaClient("alice").subscribePresence(room);
        assertThat(alicesSecondRoom.usersInformation.get(0)).extracting(u -> u.getId())
                .containsExactlyInAnyOrder("alice", "bob");
        bobRoom.fence(sdk);
        assertThat(bobRoom.subscribedIds()).as("carol never joined").doesNotContain("carol");
        JsonNode channel = Sdk.get(sdk, "/channels/" + room, Map.of("info", "user_count"));
        assertThat(channel.path("user_count").asInt()).isEqualTo(MAX_PRESENCE_MEMBERS);
    }

    @Test
    void refusesUserInfoLargerThan1KbWith4307() {
        RawWebSocket ws = connect();

        ws.subscribePresence(sdk, "presence-big-info", new PresenceUser("big", Map.of("bio", "b".repeat(2_000))));

        ws.awaitErrorAndStayOpen(4307);
    }

    @Test
    void refusesPresenceChannelDataWithoutUserIdWith4307() {
        RawWebSocket ws = connect();
        String channel = "presence-anonymous";
        String channelData = "{\"user_info\":{\"name\":\"nobody\"}}";
        String auth = herald.appKey() + ":"
                + SignatureUtil.sign(ws.socketId() + ":" + channel + ":" + channelData, herald.appSecret());

        ws.subscribe(channel, auth, channelData);

        ws.awaitErrorAndStayOpen(4307);
    }

    @Test
    void rateLimitsClientEventsWith4301AndKeepsTheConnection() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribeSigned(sdk, "private-rate");
        receiver.subscribeSigned(sdk, "private-rate");
        int burst = CLIENT_EVENTS_PER_SECOND * 4;

        for (int i = 0; i < burst; i++) {
            sender.trigger("private-rate", "client-burst", Json.parse("{\"i\":" + i + "}"));
        }

        JsonNode error = sender.awaitError();
        assertThat(error.path("code").asInt()).isEqualTo(4301);
        assertThat(error.path("message").asText()).isNotBlank();
        sender.roundTrip();
        assertThat(sender.isClosed()).isFalse();
        Sdk.ok(sdk.trigger("private-rate", "after", Map.of()));
        long relayed = receiver.eventsBefore("after").stream().filter("client-burst"::equals).count();
        assertThat(relayed).as("some of the burst is relayed, not all of it").isPositive().isLessThan(burst);
    }

    @Test
    void refusesOneChannelTooManyWith4304() {
        RawWebSocket ws = connect();
        for (int i = 0; i < MAX_CHANNELS; i++) {
            ws.subscribeAndAwait("public-many-" + i);
        }

        ws.subscribe("public-many-" + MAX_CHANNELS);

        ws.awaitErrorAndStayOpen(4304);
        Sdk.ok(sdk.trigger("public-many-0", "still", Map.of()));
        ws.awaitEvent("still", "public-many-0");
    }
}
