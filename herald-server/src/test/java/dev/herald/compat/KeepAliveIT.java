package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.connection.ConnectionState;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawFrameSocket;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Liveness with short timers (activity 2 s, pong 2 s): the server probes idle clients with WS ping
 * frames, pusher-java-client answers them and stays connected, and a client that never answers is
 * closed with 4201 (docs/protocol.md §2.4).
 */
class KeepAliveIT {

    private static final int ACTIVITY_TIMEOUT_SECONDS = 2;
    private static final int PONG_TIMEOUT_SECONDS = 2;

    private static HeraldProcess herald;

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "keepalive",
                        Map.of(
                                "HERALD_ACTIVITY_TIMEOUT",
                                        Integer.toString(ACTIVITY_TIMEOUT_SECONDS),
                                "HERALD_PONG_TIMEOUT", Integer.toString(PONG_TIMEOUT_SECONDS)));
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void announcesTheConfiguredActivityTimeout() {
        try (RawWebSocket ws = RawWebSocket.open(herald.ws())) {
            JsonNode established = ws.awaitConnectionEstablished();

            assertThat(established.path("activity_timeout").isInt()).isTrue();
            assertThat(established.path("activity_timeout").asInt())
                    .isEqualTo(ACTIVITY_TIMEOUT_SECONDS);
        }
    }

    @Test
    void javaClientAnswersServerPingsAndStaysConnectedForMoreThanEightSeconds() {
        try (JavaClient client = JavaClient.connected(herald, "idle")) {
            String socketId = client.socketId();
            JavaClient.Recorder channel = client.subscribe("public-idle");

            // Four activity periods and more: every probe must be answered for the client to
            // survive.
            await("java client stays connected")
                    .during(Duration.ofSeconds(9))
                    .atMost(Duration.ofSeconds(12))
                    .until(
                            () ->
                                    client.pusher.getConnection().getState()
                                            == ConnectionState.CONNECTED);

            assertThat(client.stateHistory())
                    .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
            assertThat(client.socketId()).isEqualTo(socketId);
            assertThat(client.errors).isEmpty();
            Results.ok(Sdk.of(herald).trigger("public-idle", "still-there", Map.of("yes", true)));
            assertThat(channel.awaitEvent("still-there").getData()).isEqualTo("{\"yes\":true}");
        }
    }

    @Test
    void closesAClientThatNeverAnswersPingFramesWith4201() throws IOException {
        List<String> seen = new ArrayList<>();
        long start = System.nanoTime();
        try (RawFrameSocket socket = RawFrameSocket.connect(herald.ws(), 15_000)) {
            RawFrameSocket.Frame first = socket.readFrame();
            assertThat(first.opcode()).isEqualTo(RawFrameSocket.TEXT);
            assertThat(Json.parse(first.text()).path("event").asText())
                    .isEqualTo("pusher:connection_established");

            int pings = 0;
            JsonNode error = null;
            RawFrameSocket.Frame frame;
            while ((frame = socket.readFrame()).opcode() != RawFrameSocket.CLOSE) {
                seen.add(frame.toString());
                if (frame.opcode() == RawFrameSocket.PING) {
                    pings++;
                } else if (frame.opcode() == RawFrameSocket.TEXT
                        && "pusher:error".equals(Json.parse(frame.text()).path("event").asText())) {
                    error = Json.data(Json.parse(frame.text()));
                }
            }
            double elapsedSeconds = (System.nanoTime() - start) / 1e9;

            assertThat(pings).as("WS ping frames before closing; frames %s", seen).isPositive();
            assertThat(error).as("pusher:error before the close; frames %s", seen).isNotNull();
            assertThat(error.path("code").asInt()).isEqualTo(4201);
            assertThat(frame.closeCode()).isEqualTo(4201);
            assertThat(elapsedSeconds)
                    .as("closed only after the activity and pong timeouts")
                    .isGreaterThanOrEqualTo(ACTIVITY_TIMEOUT_SECONDS + PONG_TIMEOUT_SECONDS - 1.0);
        }
    }
}
