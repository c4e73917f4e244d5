package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /apps/{id}/channels/{name}/events} (docs/recovery.md "The HTTP API") through
 * pusher-http-java's signed {@code get}, as an app's backend would read a channel's history: the
 * events with their positions, paging, and each refusal with its status and why.
 */
class HistoryApiIT {

    private static HeraldProcess herald;
    private static Pusher sdk;

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "history-api",
                        Map.of(
                                "HERALD_APP_HISTORY_CHANNELS", "history-,private-log-",
                                "HERALD_APP_HISTORY_SIZE", "5",
                                "HERALD_APP_HISTORY_TTL_SECONDS", "300"));
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private static JsonNode events(String channel, Map<String, String> params) {
        return ServerSdk.get(sdk, "/channels/" + channel + "/events", params);
    }

    private static void refused(
            String channel, Map<String, String> params, int status, String why) {
        Result result = sdk.get("/channels/" + channel + "/events", params);
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(status);
        JsonNode body = Json.parse(result.getMessage());
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("error").asText()).contains(why);
    }

    @Test
    void anAppsBackendReadsTheEventsWithTheirPositionsAndTheSocketTheyExcluded() {
        Results.ok(sdk.trigger("history-read", "first", Map.of("n", 1)));
        Results.ok(sdk.trigger("history-read", "second", Map.of("n", 2), "123.456"));
        Results.ok(sdk.trigger(List.of("history-read", "plain"), "third", Map.of("n", 3)));

        JsonNode all = events("history-read", Map.of());
        String epoch = all.path("epoch").asText();
        assertThat(epoch).matches("[0-9a-z]{8}");
        assertThat(all.path("position").asText()).isEqualTo(epoch + ":3");
        assertThat(all.path("more").asBoolean()).isFalse();
        List<String> seen = new ArrayList<>();
        for (JsonNode e : all.path("events")) {
            seen.add(
                    e.path("position").asText()
                            + " "
                            + e.path("event").asText()
                            + " "
                            + e.path("data").asText());
        }
        assertThat(seen)
                .containsExactly(
                        epoch + ":1 first {\"n\":1}",
                        epoch + ":2 second {\"n\":2}",
                        epoch + ":3 third {\"n\":3}");
        assertThat(all.path("events").get(1).path("socket_id").asText()).isEqualTo("123.456");
        assertThat(all.path("events").get(0).has("socket_id")).isFalse();

        JsonNode page = events("history-read", Map.of("since", epoch + ":1", "limit", "1"));
        assertThat(page.path("events")).hasSize(1);
        assertThat(page.path("events").get(0).path("position").asText()).isEqualTo(epoch + ":2");
        assertThat(page.path("more").asBoolean()).isTrue();
        JsonNode none = events("history-read", Map.of("since", epoch + ":3"));
        assertThat(none.path("events")).isEmpty();
        assertThat(none.path("more").asBoolean()).isFalse();
    }

    @Test
    void aChannelWithNothingRecordedYetHasAnEpochAndPositionZero() {
        JsonNode empty = events("history-empty", Map.of());
        assertThat(empty.path("position").asText()).isEqualTo(empty.path("epoch").asText() + ":0");
        assertThat(empty.path("events")).isEmpty();
    }

    @Test
    void everyBadAskIsRefusedWithItsStatusAndWhy() {
        for (int i = 1; i <= 7; i++) {
            Results.ok(sdk.trigger("history-full", "e" + i, Map.of("n", i)));
        }
        String epoch = events("history-full", Map.of()).path("epoch").asText();
        // size 5: events 1 and 2 are gone, so the events after 1 cannot all be given
        refused("history-full", Map.of("since", epoch + ":1"), 410, "no longer kept");
        assertThat(events("history-full", Map.of("since", epoch + ":2")).path("events")).hasSize(5);
        refused("history-full", Map.of("since", "zzzzzzzz:3"), 410, "reset");
        refused("history-full", Map.of("since", epoch + ":99"), 400, "ahead");
        refused("history-full", Map.of("since", "not-a-position"), 400, "EPOCH:SERIAL");
        refused("history-full", Map.of("since", epoch + ":" + "9".repeat(40)), 400, "EPOCH:SERIAL");
        refused("history-full", Map.of("limit", "0"), 400, "from 1 to 1000");
        refused("history-full", Map.of("limit", "1001"), 400, "from 1 to 1000");
        refused("history-full", Map.of("limit", "lots"), 400, "from 1 to 1000");
        refused("plain-channel", Map.of(), 404, "keeps no history");
        refused("history-" + "x".repeat(300), Map.of(), 400, "");
    }
}
