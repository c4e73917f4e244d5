package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.protocol.RecoveryRequest;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Positions and replay on one node (docs/recovery.md), frame by frame: what a subscription that
 * asks gets, what one that does not ask gets, and every refusal of a malformed request.
 */
class RecoveryTest {

    private static final HistoryRule RULE = new HistoryRule("history-", 5, 300);
    private static final App APP = App.of("1", "key-1", "secret-1").withHistory(List.of(RULE));

    private final SessionHarness harness = new SessionHarness(8);

    @AfterEach
    void close() {
        harness.close();
    }

    private static String subscribe(String channel, String recovery) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                + channel
                + "\""
                + (recovery == null ? "" : ",\"herald_recovery\":" + recovery)
                + "}}";
    }

    private void publish(String channel, String name, String exclude) {
        EncodedEvent event =
                new EncodedEvent(Frames.event(name, channel, "{\"n\":\"" + name + "\"}"));
        try {
            HistoryRule rule = APP.historyRule(channel);
            if (rule == null) {
                harness.context.broker().publish(APP.id(), channel, event, exclude);
            } else {
                harness.context.broker().publishRecorded(APP.id(), channel, event, exclude, rule);
            }
        } finally {
            event.release();
        }
    }

    /** Each frame as {@code event} or {@code event position} / {@code event replayed gap}. */
    private static List<String> summary(List<Frame> frames) {
        List<String> out = new ArrayList<>();
        for (Frame f : frames) {
            String event = f.event();
            JsonNode data = data(f);
            switch (event) {
                case "pusher_internal:herald_position" ->
                        out.add("@" + data.path("position").asText());
                case "pusher_internal:herald_recovered" ->
                        out.add(
                                "recovered "
                                        + data.path("position").asText("null")
                                        + " "
                                        + data.path("replayed").asInt()
                                        + (data.path("gap").asBoolean() ? " gap" : "")
                                        + (data.path("history").asBoolean() ? "" : " off"));
                default -> out.add(event);
            }
        }
        return out;
    }

    private static JsonNode data(Frame f) {
        try {
            JsonNode d = f.json().path("data");
            return d.isTextual() ? Json.MAPPER.readTree(d.asText()) : d;
        } catch (Exception e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    private static String epochOf(List<String> summary) {
        return summary.stream()
                .filter(s -> s.startsWith("recovered "))
                .map(s -> s.split(" ")[1].split(":")[0])
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aFreshSubscriptionLearnsTheNewestPositionThenGetsEachEventAfterItsPosition() {
        Client client = harness.connect(APP);
        client.socketId();
        client.send(subscribe("history-a", "{}"));
        List<String> first = summary(client.frames());
        String epoch = epochOf(first);
        assertThat(first)
                .containsExactly(
                        "pusher_internal:subscription_succeeded", "recovered " + epoch + ":0 0");
        publish("history-a", "one", null);
        publish("history-a", "two", null);
        assertThat(summary(client.frames()))
                .containsExactly("@" + epoch + ":1", "one", "@" + epoch + ":2", "two");
    }

    @Test
    void aClientThatDoesNotAskGetsExactlyTheFramesItGotBefore() {
        Client stock = harness.connect(APP);
        stock.socketId();
        Client plain = harness.connect(APP);
        plain.socketId();
        stock.send(subscribe("history-a", null));
        plain.send(subscribe("other", null));
        stock.frames();
        plain.frames();
        publish("history-a", "one", null);
        publish("other", "one", null);
        List<Frame> onHistory = stock.frames();
        List<Frame> onOther = plain.frames();
        assertThat(summary(onHistory)).containsExactly("one");
        assertThat(onHistory.get(0).text())
                .isEqualTo(onOther.get(0).text().replace("\"other\"", "\"history-a\""));
    }

    @Test
    void aReturningClientGetsWhatItMissedInOrderThenLiveEvents() {
        Client first = harness.connect(APP);
        first.socketId();
        first.send(subscribe("history-a", "{}"));
        String epoch = epochOf(summary(first.frames()));
        publish("history-a", "one", null);
        publish("history-a", "two", null);
        publish("history-a", "three", null);

        Client back = harness.connect(APP);
        back.socketId();
        back.send(subscribe("history-a", "{\"position\":\"" + epoch + ":1\"}"));
        publish("history-a", "four", null);
        assertThat(summary(back.frames()))
                .containsExactly(
                        "pusher_internal:subscription_succeeded",
                        "@" + epoch + ":2",
                        "two",
                        "@" + epoch + ":3",
                        "three",
                        "recovered " + epoch + ":3 2",
                        "@" + epoch + ":4",
                        "four");
    }

    @Test
    void eventsPublishedDuringTheReplayAreNeitherLostNorDoubled() {
        Client first = harness.connect(APP);
        first.socketId();
        first.send(subscribe("history-a", "{}"));
        String epoch = epochOf(summary(first.frames()));
        for (int i = 1; i <= 3; i++) {
            publish("history-a", "e" + i, null);
        }
        Client back = harness.connect(APP);
        back.socketId();
        back.send(subscribe("history-a", "{\"position\":\"" + epoch + ":0\"}"));
        // published before the replay's frames are taken: held back, then read again
        publish("history-a", "e4", null);
        List<String> got = summary(back.frames());
        publish("history-a", "e5", null);
        got.addAll(summary(back.frames()));
        assertThat(got.stream().filter(s -> s.startsWith("e")).collect(Collectors.toList()))
                .containsExactly("e1", "e2", "e3", "e4", "e5");
    }

    @Test
    void aPositionOlderThanTheHistoryAnotherEpochOrNoHistoryIsAGap() {
        Client first = harness.connect(APP);
        first.socketId();
        first.send(subscribe("history-a", "{}"));
        String epoch = epochOf(summary(first.frames()));
        for (int i = 1; i <= 7; i++) {
            publish("history-a", "e" + i, null); // size 5: 1 and 2 are gone
        }
        Client trimmed = harness.connect(APP);
        trimmed.socketId();
        trimmed.send(subscribe("history-a", "{\"position\":\"" + epoch + ":1\"}"));
        assertThat(summary(trimmed.frames()))
                .containsExactly(
                        "pusher_internal:subscription_succeeded",
                        "recovered " + epoch + ":7 0 gap");

        Client justInTime = harness.connect(APP);
        justInTime.socketId();
        justInTime.send(subscribe("history-a", "{\"position\":\"" + epoch + ":2\"}"));
        assertThat(summary(justInTime.frames())).endsWith("recovered " + epoch + ":7 5");

        Client otherEpoch = harness.connect(APP);
        otherEpoch.socketId();
        otherEpoch.send(subscribe("history-a", "{\"position\":\"zzzzzzzz:3\"}"));
        assertThat(summary(otherEpoch.frames())).endsWith("recovered " + epoch + ":7 0 gap");

        Client noHistory = harness.connect(APP);
        noHistory.socketId();
        noHistory.send(subscribe("plain", "{\"position\":\"" + epoch + ":3\"}"));
        assertThat(summary(noHistory.frames()))
                .containsExactly(
                        "pusher_internal:subscription_succeeded", "recovered null 0 gap off");
        Client noHistoryFresh = harness.connect(APP);
        noHistoryFresh.socketId();
        noHistoryFresh.send(subscribe("plain", "{}"));
        assertThat(summary(noHistoryFresh.frames()))
                .containsExactly("pusher_internal:subscription_succeeded", "recovered null 0 off");
    }

    @Test
    void anEventThatExcludedOneOfTheClientsSocketsIsNotReplayedToIt() {
        Client first = harness.connect(APP);
        String oldSocket = first.socketId();
        first.send(subscribe("history-a", "{}"));
        String epoch = epochOf(summary(first.frames()));
        publish("history-a", "mine", oldSocket);
        publish("history-a", "theirs", null);
        Client back = harness.connect(APP);
        back.socketId();
        back.send(
                subscribe(
                        "history-a",
                        "{\"position\":\""
                                + epoch
                                + ":0\",\"socket_ids\":[\""
                                + oldSocket
                                + "\"]}"));
        assertThat(summary(back.frames()))
                .containsExactly(
                        "pusher_internal:subscription_succeeded",
                        "@" + epoch + ":2",
                        "theirs",
                        "recovered " + epoch + ":2 1");
    }

    @Test
    void aConnectionLevelRequestRecoversTheLaterSubscriptionOnce() {
        Client first = harness.connect(APP);
        first.socketId();
        first.send(subscribe("history-a", "{}"));
        String epoch = epochOf(summary(first.frames()));
        publish("history-a", "one", null);
        Client back = harness.connect(APP);
        back.socketId();
        back.send(
                "{\"event\":\"pusher:herald_recovery\",\"data\":{\"channels\":{\"history-a\":\""
                        + epoch
                        + ":0\"}}}");
        back.send(subscribe("history-a", null));
        back.send(subscribe("history-b", null));
        assertThat(summary(back.frames()))
                .containsExactly(
                        "pusher_internal:subscription_succeeded",
                        "@" + epoch + ":1",
                        "one",
                        "recovered " + epoch + ":1 1",
                        "pusher_internal:subscription_succeeded",
                        "recovered " + epochOfB(back) + ":0 0");
    }

    private String epochOfB(Client ignored) {
        return harness.history
                .read(APP.id(), "history-b", null, 1, RULE)
                .toCompletableFuture()
                .join()
                .head()
                .epoch();
    }

    @Test
    void aConnectionLevelRequestLeavesEncryptedChannelsAlone() {
        Client client = harness.connect(APP);
        String socket = client.socketId();
        client.send("{\"event\":\"pusher:herald_recovery\",\"data\":{}}");
        String channel = "private-encrypted-history";
        client.send(
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                        + channel
                        + "\",\"auth\":\""
                        + SessionHarness.auth(APP, socket, channel, null)
                        + "\"}}");
        publish(channel, "secret", null);
        assertThat(summary(client.frames()))
                .containsExactly("pusher_internal:subscription_succeeded", "secret");
    }

    @Test
    void everyMalformedRequestIsRefusedWithWhyAndTheSubscriptionGoesAheadWithoutPositions() {
        Client client = harness.connect(APP);
        client.socketId();
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i <= RecoveryRequest.MAX_SOCKET_IDS; i++) {
            ids.append(i == 0 ? "" : ",").append("\"1.").append(i).append('"');
        }
        String[][] cases = {
            {"\"yes\"", "must be an object"},
            {"{\"position\":\"nocolon\"}", "EPOCH:SERIAL"},
            {"{\"position\":\"" + "a".repeat(17) + ":1\"}", "EPOCH:SERIAL"},
            {"{\"position\":\"abc:" + "9".repeat(30) + "\"}", "EPOCH:SERIAL"},
            {"{\"position\":7}", "EPOCH:SERIAL"},
            {"{\"socket_ids\":[" + ids + "]}", "at most 10 socket_ids"},
            {"{\"socket_ids\":[\"x.1\"]}", "not a socket id"},
            {"{\"socket_ids\":\"1.1\"}", "must be an array"},
        };
        int i = 0;
        for (String[] c : cases) {
            String channel = "history-" + i++;
            client.send(subscribe(channel, c[0]));
            List<Frame> frames = client.frames();
            assertThat(frames.get(0).event()).isEqualTo("pusher:error");
            assertThat(data(frames.get(0)).path("code").asInt()).isEqualTo(4300);
            assertThat(data(frames.get(0)).path("message").asText()).contains(c[1]);
            assertThat(summary(frames.subList(1, frames.size())))
                    .containsExactly("pusher_internal:subscription_succeeded");
        }
        StringBuilder many = new StringBuilder();
        for (int k = 0; k <= RecoveryRequest.MAX_CHANNELS; k++) {
            many.append(k == 0 ? "" : ",").append("\"c").append(k).append("\":\"a:1\"");
        }
        client.send(
                "{\"event\":\"pusher:herald_recovery\",\"data\":{\"channels\":{" + many + "}}}");
        List<Frame> frames = client.frames();
        assertThat(frames).hasSize(1);
        assertThat(data(frames.get(0)).path("message").asText())
                .contains("at most 100 channels, got 101");
        client.send(
                "{\"event\":\"pusher:herald_recovery\",\"data\":{\"channels\":{\""
                        + "x".repeat(300)
                        + "\":\"a:1\"}}}");
        assertThat(data(client.frames().get(0)).path("message").asText())
                .contains("channel name longer than");
        // refused requests leave no opt-in behind
        client.send(subscribe("history-late", null));
        assertThat(summary(client.frames()))
                .containsExactly("pusher_internal:subscription_succeeded");
    }
}
