package dev.herald.console;

import static dev.herald.console.EventStream.kind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.WebhookReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A failing webhook as the console shows it: its attempts in the delivery log and the debug stream,
 * the failed batch kept, and its replay delivered once the receiver is back.
 */
class ConsoleWebhooksIT {

    private static final String TOKEN = ConsoleApiIT.TOKEN;

    @Test
    void aFailedBatchIsListedWithItsAttemptsAndReplayedOnRequest() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start().failAlways();
                HeraldProcess herald =
                        HeraldProcess.start(
                                "console-webhooks",
                                Map.of(
                                        "HERALD_CONSOLE_TOKEN",
                                        TOKEN,
                                        "HERALD_APP_WEBHOOK_URL",
                                        receiver.url().toString(),
                                        "HERALD_WEBHOOK_RETRY_FOR_SECONDS",
                                        "2"))) {
            ConsoleClient console = new ConsoleClient(herald);
            String webhooks = "/console/api/apps/" + herald.appId() + "/webhooks";
            try (EventStream stream =
                            EventStream.open(herald.metricsPort(), herald.appId(), TOKEN);
                    RawWebSocket ws = RawWebSocket.connect(herald)) {
                ws.subscribe("builds");
                ws.awaitEvent("pusher_internal:subscription_succeeded", "builds");

                JsonNode attempt = stream.await("a webhook attempt", kind("webhook"));
                assertThat(attempt.path("details").path("status").asInt()).isEqualTo(500);
                assertThat(attempt.path("event").asText()).isEqualTo("channel_occupied");

                JsonNode failed =
                        await().atMost(Duration.ofSeconds(30))
                                .until(
                                        () ->
                                                console.get(webhooks, ConsoleClient.bearer(TOKEN))
                                                        .json(),
                                        r -> r.path("failed").size() == 1);
                JsonNode batch = failed.path("failed").get(0);
                assertThat(batch.path("replayable").asBoolean()).isTrue();
                assertThat(batch.path("url").asText()).isEqualTo(receiver.url().toString());
                JsonNode delivery = failed.at("/targets/0/deliveries/0");
                assertThat(delivery.path("outcome").asText()).isEqualTo("failed");
                assertThat(delivery.path("attempt").asInt()).isGreaterThanOrEqualTo(2);
                assertThat(delivery.path("status").asInt()).isEqualTo(500);
                int attemptsSoFar = receiver.deliveries().size();

                receiver.failFirst(0);
                String replay = webhooks + "/" + batch.path("id").asText() + "/replay";
                ConsoleClient.Answer replayed =
                        console.post(replay, "", ConsoleClient.bearer(TOKEN));
                assertThat(replayed.status()).as(replayed.body()).isEqualTo(200);

                await().atMost(Duration.ofSeconds(15)).until(() -> receiver.accepted().size() == 1);
                assertThat(receiver.deliveries()).hasSize(attemptsSoFar + 1);
                assertThat(receiver.accepted().get(0).events().get(0).path("name").asText())
                        .isEqualTo("channel_occupied");
                await().atMost(Duration.ofSeconds(10))
                        .until(
                                () -> console.get(webhooks, ConsoleClient.bearer(TOKEN)).json(),
                                r -> r.path("failed").isEmpty());
                stream.await(
                        "the replay's delivery",
                        e ->
                                kind("webhook").test(e)
                                        && e.path("details").path("status").asInt() == 200);
                // delivered: it cannot go twice
                assertThat(console.post(replay, "", ConsoleClient.bearer(TOKEN)).status())
                        .isEqualTo(409);
                assertThat(
                                console.post(
                                                webhooks + "/no-such-batch/replay",
                                                "",
                                                ConsoleClient.bearer(TOKEN))
                                        .status())
                        .isEqualTo(404);
            }
        }
    }
}
