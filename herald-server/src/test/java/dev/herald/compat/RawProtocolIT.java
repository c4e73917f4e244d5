package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.SignatureUtil;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawFrameSocket;
import dev.herald.testing.RawWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The wire protocol at frame level, for what the official clients never send: other protocol
 * versions, malformed frames, forbidden client events. Expected codes are those of
 * notes/server-contract.md and spec section 2.5.
 */
class RawProtocolIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("raw-protocol");
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

    private RawWebSocket open(String key, String query) {
        return open.track(RawWebSocket.open(herald.ws(key, query)));
    }

    // --- connection ---

    @Test
    void announcesAStringSocketIdAndActivityTimeout120() {
        RawWebSocket ws = open(herald.appKey(), "protocol=7&client=js&version=8.6.0&flash=false");

        JsonNode established = ws.awaitConnectionEstablished();

        assertThat(established.path("socket_id").isTextual()).isTrue();
        assertThat(established.path("socket_id").asText()).matches("\\d+\\.\\d+");
        assertThat(established.path("activity_timeout").asInt()).isEqualTo(120);
    }

    @ParameterizedTest(name = "protocol={0}")
    @ValueSource(ints = {4, 5, 6, 7})
    void acceptsProtocolVersions4To7(int protocol) {
        RawWebSocket ws = open(herald.appKey(), "protocol=" + protocol + "&client=java-client&version=2.4.4");

        ws.awaitConnectionEstablished();

        assertThat(ws.roundTrip()).isEmpty();
    }

    @ParameterizedTest(name = "protocol={0}")
    @ValueSource(ints = {3, 8})
    void refusesUnsupportedProtocolWith4007ThenClose4007(int protocol) {
        RawWebSocket ws = open(herald.appKey(), "protocol=" + protocol + "&client=js&version=1.0.0");

        JsonNode first = ws.next();

        assertThat(first.path("event").asText()).isEqualTo("pusher:error");
        assertThat(Json.data(first).path("code").asInt()).isEqualTo(4007);
        assertThat(ws.awaitClose().code()).isEqualTo(4007);
    }

    @Test
    void refusesUnknownAppKeyWith4001ThenClose4001() {
        RawWebSocket ws = open("no-such-key", "protocol=7&client=js&version=8.6.0");

        JsonNode first = ws.next();

        assertThat(first.path("event").asText()).isEqualTo("pusher:error");
        JsonNode error = Json.data(first);
        assertThat(error.path("code").isNumber()).as("code is a JSON number: %s", first).isTrue();
        assertThat(error.path("code").asInt()).isEqualTo(4001);
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(ws.awaitClose().code()).isEqualTo(4001);
    }

    @Test
    void answersPusherPingWithPusherPong() {
        RawWebSocket ws = connect();

        ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(ws.next().path("event").asText()).isEqualTo("pusher:pong");

        ws.send("{\"event\": \"pusher:ping\"}"); // pusher-java-client's form, without data
        assertThat(ws.next().path("event").asText()).isEqualTo("pusher:pong");
    }

    @Test
    void answersWsPingFrameWithPongCarryingTheSamePayload() throws IOException {
        try (RawFrameSocket socket = RawFrameSocket.connect(herald.ws(), 10_000)) {
            assertThat(socket.readFrame().text()).contains("pusher:connection_established");

            socket.send(RawFrameSocket.PING, "are-you-there".getBytes(StandardCharsets.UTF_8));

            RawFrameSocket.Frame answer = socket.readFrame();
            assertThat(answer.opcode()).as("frame %s", answer).isEqualTo(RawFrameSocket.PONG);
            assertThat(answer.text()).isEqualTo("are-you-there");
        }
    }

    // --- malformed input: pusher:error, connection stays open ---

    @Test
    void reportsMalformedJsonWith4300AndStaysOpen() {
        RawWebSocket ws = connect();

        ws.send("{\"event\":\"pusher:subscribe\",");

        ws.awaitErrorAndStayOpen(4300);
    }

    @Test
    void reportsMessageWithoutEventWith4300AndStaysOpen() {
        RawWebSocket ws = connect();

        ws.send("{\"data\":{\"channel\":\"x\"}}");

        ws.awaitErrorAndStayOpen(4300);
    }

    @Test
    void reportsBinaryFrameWith4300AndStaysOpen() {
        RawWebSocket ws = connect();

        ws.sendBinary("{\"event\":\"pusher:ping\"}".getBytes(StandardCharsets.UTF_8));

        ws.awaitErrorAndStayOpen(4300);
    }

    @Test
    void reportsUnsupportedPusherEventWith4300AndStaysOpen() {
        RawWebSocket ws = connect();

        ws.send("{\"event\":\"pusher:bogus\",\"data\":{}}");

        ws.awaitErrorAndStayOpen(4300);
    }

    // --- subscriptions ---

    @Test
    void confirmsPublicSubscriptionWithEmptyObjectAndAgainWhenRepeated() {
        RawWebSocket ws = connect();

        ws.subscribe("public-repeat");
        JsonNode succeeded = ws.awaitEvent("pusher_internal:subscription_succeeded", "public-repeat");
        assertThat(succeeded.get("data")).as("data is the JSON string \"{}\"").isEqualTo(TextNode.valueOf("{}"));

        ws.subscribe("public-repeat");
        ws.awaitEvent("pusher_internal:subscription_succeeded", "public-repeat");
    }

    @Test
    void rejectsChannelNameWithForbiddenCharactersWith4302() {
        RawWebSocket ws = connect();

        ws.subscribe("bad channel!");

        ws.awaitErrorAndStayOpen(4302);
    }

    @Test
    void acceptsChannelNameOf200CharactersAndRejects201With4302() {
        RawWebSocket ws = connect();
        String longest = "a".repeat(200);

        ws.subscribeAndAwait(longest);
        ws.subscribe(longest + "b");

        ws.awaitErrorAndStayOpen(4302);
    }

    @Test
    void refusedSubscriptionAlsoGetsSubscriptionErrorOnItsChannel() {
        RawWebSocket ws = connect();

        ws.subscribe("private-unsigned", herald.appKey() + ":" + "0".repeat(64), null);

        JsonNode refusal = ws.awaitEvent("pusher:subscription_error", "private-unsigned");
        JsonNode data = Json.data(refusal);
        assertThat(data.has("type")).as("%s", refusal).isTrue();
        assertThat(data.has("error")).as("%s", refusal).isTrue();
        assertThat(data.has("status")).as("%s", refusal).isTrue();
    }

    @Test
    void refusesPrivateSubscriptionWithoutAuthWith4009() {
        RawWebSocket ws = connect();

        ws.subscribe("private-no-auth");

        ws.awaitErrorAndStayOpen(4009);
    }

    @Test
    void refusesPrivateSubscriptionSignedForAnotherSocketWith4009() {
        RawWebSocket ws = connect();
        String othersAuth = Json.parse(sdk.authenticate("1234.5678", "private-stolen")).path("auth").asText();

        ws.subscribe("private-stolen", othersAuth, null);

        ws.awaitErrorAndStayOpen(4009);
    }

    @Test
    void refusesAuthWithAnotherKeyPrefixWith4009() {
        RawWebSocket ws = connect();
        String signature = SignatureUtil.sign(ws.socketId() + ":private-keyed", herald.appSecret());

        ws.subscribe("private-keyed", "other-key:" + signature, null);

        ws.awaitErrorAndStayOpen(4009);
    }

    @Test
    void presenceSubscriptionCarriesIdsHashAndCountWithUserIdsAsStrings() {
        RawWebSocket first = connect();
        RawWebSocket second = connect();

        first.subscribePresence(sdk, "presence-wire", new PresenceUser(42, Map.of("name", "Forty-two")));
        first.awaitEvent("pusher_internal:subscription_succeeded", "presence-wire");
        second.subscribePresence(sdk, "presence-wire", new PresenceUser("7"));
        JsonNode succeeded = second.awaitEvent("pusher_internal:subscription_succeeded", "presence-wire");

        assertThat(succeeded.get("data").isTextual()).isTrue();
        JsonNode presence = Json.data(succeeded).path("presence");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
        assertThat(textValues(presence.path("ids"))).containsExactlyInAnyOrder("42", "7");
        assertThat(presence.path("hash").path("42").path("name").asText()).isEqualTo("Forty-two");
        assertThat(presence.path("hash").has("7")).isTrue();

        JsonNode added = first.awaitEvent("pusher_internal:member_added", "presence-wire");
        assertThat(added.get("data").isTextual()).isTrue();
        assertThat(Json.data(added).path("user_id").asText()).isEqualTo("7");
        assertThat(Json.data(added).path("user_id").isTextual()).isTrue();

        second.unsubscribe("presence-wire");
        JsonNode removed = first.awaitEvent("pusher_internal:member_removed", "presence-wire");
        assertThat(Json.data(removed).path("user_id").asText()).isEqualTo("7");
    }

    @Test
    void stopsDeliveringAfterUnsubscribe() {
        RawWebSocket ws = connect();
        ws.subscribeAndAwait("public-left");
        ws.subscribeAndAwait("public-stayed");

        ws.unsubscribe("public-left");
        assertThat(ws.roundTrip()).as("unsubscribe has no reply").isEmpty();
        Sdk.ok(sdk.trigger("public-left", "gone", Map.of("n", 1)));
        Sdk.ok(sdk.trigger("public-stayed", "here", Map.of("n", 2)));

        List<JsonNode> before = ws.framesBefore("here");
        assertThat(before).as("nothing from the channel left").isEmpty();
    }

    @Test
    void ignoresUnsubscribeFromAChannelNeverJoined() {
        RawWebSocket ws = connect();

        ws.unsubscribe("public-never");

        assertThat(ws.roundTrip()).isEmpty();
    }

    @Test
    void deliversHttpEventWithDataAsTheGivenString() {
        RawWebSocket ws = connect();
        ws.subscribeAndAwait("public-shape");

        Sdk.ok(sdk.trigger("public-shape", "shaped", Map.of("a", 1)));

        JsonNode event = ws.awaitEvent("shaped", "public-shape");
        assertThat(event.get("data")).isEqualTo(TextNode.valueOf("{\"a\":1}"));
    }

    @Test
    void limitsAConnectionTo100ChannelsByDefault() {
        RawWebSocket ws = connect();
        for (int i = 0; i < 100; i++) {
            ws.subscribe("public-hundred-" + i);
        }
        for (int i = 0; i < 100; i++) {
            ws.awaitEvent("pusher_internal:subscription_succeeded", "public-hundred-" + i);
        }

        ws.subscribe("public-hundred-100");

        ws.awaitErrorAndStayOpen(4304);
    }

    @Test
    void capsPresenceChannelsAt100MembersByDefault() {
        String room = "presence-hundred";
        for (int i = 0; i < 100; i++) {
            RawWebSocket member = connect();
            member.subscribePresence(sdk, room, new PresenceUser("member-" + i));
            member.awaitEvent("pusher_internal:subscription_succeeded", room);
        }
        RawWebSocket extra = connect();

        extra.subscribePresence(sdk, room, new PresenceUser("member-100"));

        List<JsonNode> answers = extra.roundTrip();
        assertThat(answers).as("answers %s", answers)
                .anySatisfy(f -> {
                    assertThat(f.path("event").asText()).isEqualTo("pusher:error");
                    assertThat(Json.data(f).path("code").asInt()).isEqualTo(4306);
                })
                .anySatisfy(f -> {
                    assertThat(f.path("event").asText()).isEqualTo("pusher:subscription_error");
                    assertThat(f.path("channel").asText()).isEqualTo(room);
                });
        assertThat(Sdk.get(sdk, "/channels/" + room, Map.of("info", "user_count")).path("user_count").asInt())
                .isEqualTo(100);
    }

    // --- client events ---

    @Test
    void relaysClientEventDataVerbatim() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribeSigned(sdk, "private-verbatim");
        receiver.subscribeSigned(sdk, "private-verbatim");
        JsonNode object = Json.parse("{\"list\":[1,2,3],\"nested\":{\"x\":\"y\"}}");

        sender.trigger("private-verbatim", "client-object", object);
        sender.trigger("private-verbatim", "client-string", TextNode.valueOf("plain text"));

        JsonNode relayedObject = receiver.awaitEvent("client-object", "private-verbatim");
        assertThat(relayedObject.get("data")).isEqualTo(object);
        assertThat(relayedObject.has("user_id")).isFalse();
        assertThat(receiver.awaitEvent("client-string", "private-verbatim").get("data"))
                .isEqualTo(TextNode.valueOf("plain text"));
        assertThat(sender.roundTrip()).as("nothing echoed, no error").isEmpty();
    }

    @Test
    void addsTopLevelUserIdToClientEventOnPresenceChannel() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribePresence(sdk, "presence-relay", new PresenceUser("sender-1"));
        sender.awaitEvent("pusher_internal:subscription_succeeded", "presence-relay");
        receiver.subscribePresence(sdk, "presence-relay", new PresenceUser("receiver-1"));
        receiver.awaitEvent("pusher_internal:subscription_succeeded", "presence-relay");

        sender.trigger("presence-relay", "client-hello", Json.parse("{\"hi\":1}"));

        JsonNode relayed = receiver.awaitEvent("client-hello", "presence-relay");
        assertThat(relayed.path("user_id").asText()).isEqualTo("sender-1");
        assertThat(relayed.get("data")).isEqualTo(Json.parse("{\"hi\":1}"));
    }

    @Test
    void rejectsClientEventOnPublicChannel() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribeAndAwait("public-talk");
        receiver.subscribeAndAwait("public-talk");

        sender.trigger("public-talk", "client-shout", Json.parse("{}"));

        sender.awaitErrorAndStayOpen(4303);
        assertThat(receiver.roundTrip()).as("nothing relayed").isEmpty();
    }

    @Test
    void rejectsClientEventOnEncryptedChannel() {
        RawWebSocket sender = connect();
        String channel = "private-encrypted-secret";
        sender.subscribe(channel, herald.appKey() + ":" + SignatureUtil.sign(sender.socketId() + ":" + channel,
                herald.appSecret()), null);
        sender.awaitEvent("pusher_internal:subscription_succeeded", channel);

        sender.trigger(channel, "client-leak", Json.parse("{}"));

        sender.awaitErrorAndStayOpen(4303);
    }

    @Test
    void rejectsClientEventFromANonSubscriber() {
        RawWebSocket outsider = connect();
        RawWebSocket member = connect();
        member.subscribeSigned(sdk, "private-members");

        outsider.trigger("private-members", "client-intrude", Json.parse("{}"));
        outsider.awaitErrorAndStayOpen(4303);

        outsider.subscribeSigned(sdk, "private-members");
        outsider.trigger("private-members", "client-knock", Json.parse("{}"));
        assertThat(member.eventsBefore("client-knock")).doesNotContain("client-intrude");
    }

    @Test
    void rejectsClientEventWhoseNameDoesNotStartWithClient() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribeSigned(sdk, "private-names");
        receiver.subscribeSigned(sdk, "private-names");

        sender.trigger("private-names", "typing", Json.parse("{}"));

        // The contract lists this under 4303 (client event refused) and 4300 (unsupported event);
        // Pusher answers "Unsupported event received on socket <name>" (spec 2.5). Either code, the name said.
        JsonNode error = sender.awaitError();
        assertThat(error.path("code").asInt()).as("error %s", error).isIn(4300, 4303);
        assertThat(error.path("message").asText()).contains("typing");
        assertThat(sender.roundTrip()).isEmpty();
        assertThat(receiver.roundTrip()).isEmpty();
    }

    @Test
    void neverRelaysPusherInternalEventsSentByAClient() {
        RawWebSocket sender = connect();
        RawWebSocket receiver = connect();
        sender.subscribeSigned(sdk, "private-spoof");
        receiver.subscribeSigned(sdk, "private-spoof");

        sender.trigger("private-spoof", "pusher_internal:member_added",
                TextNode.valueOf("{\"user_id\":\"ghost\"}"));
        JsonNode error = sender.awaitError();
        sender.trigger("private-spoof", "client-after", Json.parse("{}"));

        assertThat(error.path("code").asInt()).isBetween(4300, 4399);
        assertThat(receiver.framesBefore("client-after")).as("the spoofed event is not relayed").isEmpty();
    }

    @Test
    void rateLimitsClientEventsAt10PerSecondByDefault() {
        RawWebSocket sender = connect();
        sender.subscribeSigned(sdk, "private-default-rate");

        for (int i = 0; i < 40; i++) {
            sender.trigger("private-default-rate", "client-flood", Json.parse("{\"i\":" + i + "}"));
        }

        sender.awaitErrorAndStayOpen(4301);
    }

    @Test
    void rejectsClientEventLargerThan10KbWith4305() {
        RawWebSocket sender = connect();
        sender.subscribeSigned(sdk, "private-big");

        sender.trigger("private-big", "client-big", TextNode.valueOf("x".repeat(10_241)));

        sender.awaitErrorAndStayOpen(4305);
    }

    private static List<String> textValues(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> {
            assertThat(node.isTextual()).as("id %s is a string", node).isTrue();
            values.add(node.asText());
        });
        return values;
    }
}
