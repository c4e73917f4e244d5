package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Results;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An app with client events disabled (HERALD_APP_CLIENT_EVENTS=false) refuses them with 4303. */
class ClientEventsDisabledIT {

    private static HeraldProcess herald;
    private static Pusher sdk;

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "client-events-off", Map.of("HERALD_APP_CLIENT_EVENTS", "false"));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void refusesJavaClientEventWith4303AndRelaysNothing() {
        try (JavaClient sender = JavaClient.connected(herald, "s");
                JavaClient receiver = JavaClient.connected(herald, "r")) {
            JavaClient.Recorder sent = sender.subscribePrivate("private-quiet");
            JavaClient.Recorder received = receiver.subscribePrivate("private-quiet");

            sender.privateChannel("private-quiet").trigger("client-whisper", "{\"psst\":1}");

            await("error 4303")
                    .atMost(JavaClient.WAIT)
                    .until(() -> sender.errorCodes().contains("4303"));
            received.fence(sdk);
            assertThat(received.events("client-whisper")).isEmpty();
            sent.fence(sdk);
            assertThat(sender.pusher.getConnection().getState())
                    .isEqualTo(ConnectionState.CONNECTED);
            assertThat(sender.stateHistory())
                    .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
        }
    }

    @Test
    void stillDeliversServerEventsToPrivateChannels() {
        try (JavaClient client = JavaClient.connected(herald, "c")) {
            JavaClient.Recorder channel = client.subscribePrivate("private-served");

            Results.ok(sdk.trigger("private-served", "from-server", Map.of("ok", 1)));

            assertThat(channel.awaitEvent("from-server").getData()).isEqualTo("{\"ok\":1}");
        }
    }
}
