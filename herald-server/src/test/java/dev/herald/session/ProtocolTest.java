package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The wire protocol's rules frame by frame, for what the official clients never send: other
 * protocol versions, malformed messages, refused subscriptions, forbidden client events, the
 * default limits. Codes are those of the server contract (docs/protocol.md §2.5). Sessions run
 * in-process ({@link SessionHarness}); the official clients are end to end in {@code JavaClientIT}
 * and {@code connection.test.js} / {@code client-events.test.js}.
 */
class ProtocolTest {

    private static final App APP =
            App.of("1", "key-1", "secret-1")
                    .withFeatures(AppFeatures.defaults().withClientEvents(true));

    private SessionHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private static String subscribe(String channel, String auth, String channelData) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                + channel
                + "\""
                + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                + (channelData == null ? "" : ",\"channel_data\":" + quoted(channelData))
                + "}}";
    }

    private static String quoted(String s) {
        return Json.MAPPER.valueToTree(s).toString();
    }

    private static String clientEvent(String channel, String event, String data) {
        return "{\"event\":\""
                + event
                + "\",\"channel\":\""
                + channel
                + "\",\"data\":"
                + data
                + "}";
    }

    /** A connection with its socket id read, its first frame consumed. */
    private record Socket(Client client, String id) {
        void send(String text) {
            client.send(text);
        }

        List<Frame> frames() {
            return client.frames();
        }
    }

    private Socket connect(App app) {
        Client client = harness.connect(app);
        return new Socket(client, client.socketId());
    }

    private Socket connect() {
        return connect(APP);
    }

    private static Frame only(List<Frame> frames) {
        assertThat(frames).hasSize(1);
        return frames.get(0);
    }

    private static JsonNode data(Frame frame) {
        try {
            JsonNode data = frame.json().path("data");
            return data.isTextual() ? Json.MAPPER.readTree(data.asText()) : data;
        } catch (Exception e) {
            throw new AssertionError(frame.toString(), e);
        }
    }

    private void subscribed(Socket socket, String channel) {
        String auth =
                channel.startsWith("private-")
                        ? SessionHarness.auth(APP, socket.id(), channel, null)
                        : null;
        socket.send(subscribe(channel, auth, null));
        assertThat(only(socket.frames()).event())
                .isEqualTo("pusher_internal:subscription_succeeded");
    }

    private List<Frame> member(Socket socket, String channel, String channelData) {
        socket.send(
                subscribe(
                        channel,
                        SessionHarness.auth(APP, socket.id(), channel, channelData),
                        channelData));
        return socket.frames();
    }

    /**
     * Asserts one {@code pusher:error} with that code and a message (plus, for a refused
     * subscription, its {@code pusher:subscription_error}), no close, and that the connection still
     * answers a ping; returns the error's data.
     */
    private static JsonNode errorAndStillOpen(Socket socket, int code) {
        List<Frame> frames = socket.frames();
        assertThat(frames).as("%s", frames).isNotEmpty().noneMatch(f -> f.opcode() == Frame.CLOSE);
        Frame error = frames.get(0);
        assertThat(error.event()).isEqualTo("pusher:error");
        JsonNode data = error.json().path("data");
        assertThat(data.isObject()).as("error data is an object: %s", error).isTrue();
        assertThat(data.path("code").isNumber()).isTrue();
        assertThat(data.path("code").asInt()).as("%s", error).isEqualTo(code);
        assertThat(data.path("message").asText()).as("a message says why: %s", error).isNotBlank();
        socket.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(only(socket.frames()).event()).isEqualTo("pusher:pong");
        assertThat(socket.client().channel.isActive()).isTrue();
        return data;
    }

    private void publish(String channel, String event, String data) {
        EncodedEvent encoded = new EncodedEvent(Frames.event(event, channel, data));
        try {
            harness.context.broker().publish(APP.id(), channel, encoded, null);
        } finally {
            encoded.release();
        }
    }

    // --- connection ---

    @Test
    void acceptsProtocols4To7AndRefuses3And8With4007BeforeAnythingElse() {
        harness = new SessionHarness(6);
        for (String protocol : List.of("4", "5", "6", "7")) {
            Client client = harness.connect(APP, APP.key(), null, protocol);
            assertThat(client.socketId()).matches("\\d+\\.\\d+");
            client.send("{\"event\": \"pusher:ping\"}"); // pusher-java-client's form, without data
            Frame pong = only(client.frames());
            assertThat(pong.event()).isEqualTo("pusher:pong");
            assertThat(pong.json().has("channel")).isFalse();
        }
        for (String protocol : List.of("3", "8")) {
            List<Frame> frames = harness.connect(APP, APP.key(), null, protocol).frames();
            assertThat(frames)
                    .extracting(
                            f -> f.opcode() == Frame.TEXT ? f.event() : "close " + f.closeCode())
                    .containsExactly("pusher:error", "close 4007");
            assertThat(frames.get(0).json().path("data").path("code").asInt()).isEqualTo(4007);
        }
    }

    @Test
    void servesAConnectionWithoutAProtocolParameterAsTheCurrentProtocol() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP, APP.key(), null, null);

        assertThat(client.socketId()).matches("\\d+\\.\\d+");
        client.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(only(client.frames()).event()).isEqualTo("pusher:pong");
    }

    @Test
    void refusesAnUnknownKeyWithOneErrorWhoseCodeIsANumberThenClose4001() {
        harness = new SessionHarness(1);

        List<Frame> frames = harness.connect(null, "no-such-key", null, "7").frames();

        assertThat(frames).hasSize(2);
        JsonNode error = frames.get(0).json();
        assertThat(error.path("event").asText()).isEqualTo("pusher:error");
        assertThat(error.path("data").isObject()).as("data is an object: %s", error).isTrue();
        assertThat(error.path("data").path("code").isNumber())
                .as("code is a JSON number: %s", error)
                .isTrue();
        assertThat(error.path("data").path("code").asInt()).isEqualTo(4001);
        assertThat(error.path("data").path("message").asText()).isNotBlank();
        assertThat(frames.get(1).closeCode()).isEqualTo(4001);
    }

    @Test
    void givesEachConnectionItsOwnSocketId() {
        harness = new SessionHarness(20);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(connect().id());
        }
        assertThat(ids).doesNotHaveDuplicates();
    }

    // --- malformed input: pusher:error 4300, the connection stays open ---

    @Test
    void reportsMalformedMessagesWith4300AndStaysOpen() {
        harness = new SessionHarness(1);
        Socket socket = connect();

        socket.send("{\"event\":\"pusher:subscribe\",");
        errorAndStillOpen(socket, 4300);
        socket.send("{\"data\":{\"channel\":\"x\"}}");
        errorAndStillOpen(socket, 4300);
        socket.client()
                .send(
                        new BinaryWebSocketFrame(
                                Unpooled.copiedBuffer(
                                        "{\"event\":\"pusher:ping\"}", StandardCharsets.UTF_8)));
        errorAndStillOpen(socket, 4300);
        socket.send("{\"event\":\"pusher:no_such_thing\",\"data\":{}}");
        assertThat(errorAndStillOpen(socket, 4300).path("message").asText())
                .contains("pusher:no_such_thing");

        subscribed(socket, "after-bad-input");
    }

    // --- subscriptions ---

    @Test
    void confirmsAPublicSubscriptionWithTheStringOfAnEmptyObjectAndAgainWhenRepeated() {
        harness = new SessionHarness(1);
        Socket socket = connect();

        socket.send(subscribe("repeat", null, null));
        Frame succeeded = only(socket.frames());
        assertThat(succeeded.json().path("channel").asText()).isEqualTo("repeat");
        assertThat(succeeded.json().get("data").isTextual()).isTrue();
        assertThat(succeeded.json().get("data").asText()).isEqualTo("{}");

        subscribed(socket, "repeat");
        // subscribe data given as a JSON string is accepted too
        socket.send(
                "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"as-string\\\"}\"}");
        assertThat(only(socket.frames()).event())
                .isEqualTo("pusher_internal:subscription_succeeded");
    }

    @Test
    void refusesChannelNamesWithForbiddenCharactersOrOver200CharactersWith4302() {
        harness = new SessionHarness(1);
        Socket socket = connect();

        socket.send(subscribe("bad channel!", null, null));
        errorAndStillOpen(socket, 4302);
        socket.send(subscribe("bad/name", null, null));
        errorAndStillOpen(socket, 4302);
        socket.send(subscribe("", null, null));
        errorAndStillOpen(socket, 4302);
        subscribed(socket, "a".repeat(200));
        subscribed(socket, "-_=@,.;" + "Az09");
        socket.send(subscribe("a".repeat(201), null, null));
        errorAndStillOpen(socket, 4302);
    }

    @Test
    void refusesPrivateSubscriptionsNotSignedForThisSocketAndKeyWith4009AndASubscriptionError() {
        harness = new SessionHarness(1);
        Socket socket = connect();
        String channel = "private-room";
        String signature = SessionHarness.auth(APP, socket.id(), channel, null).split(":")[1];

        List<String> refused =
                List.of(
                        subscribe(channel, null, null),
                        subscribe(channel, APP.key() + ":" + "0".repeat(64), null),
                        subscribe(
                                channel,
                                SessionHarness.auth(APP, "1234.5678", channel, null),
                                null),
                        subscribe(channel, "other-key:" + signature, null),
                        subscribe(
                                channel,
                                SessionHarness.auth(
                                        App.of("2", "key-1", "another-secret"),
                                        socket.id(),
                                        channel,
                                        null),
                                null));
        for (String attempt : refused) {
            socket.send(attempt);
            List<Frame> frames = socket.frames();
            assertThat(frames)
                    .extracting(Frame::event)
                    .containsExactly("pusher:error", "pusher:subscription_error");
            assertThat(frames.get(0).json().path("data").path("code").asInt()).isEqualTo(4009);
            JsonNode error = data(frames.get(1));
            assertThat(frames.get(1).json().path("channel").asText()).isEqualTo(channel);
            assertThat(error.has("type")).as("%s", error).isTrue();
            assertThat(error.has("error")).as("%s", error).isTrue();
            assertThat(error.has("status")).as("%s", error).isTrue();
        }
        assertThat(harness.hub.channel(APP.id(), channel)).as("nothing joined").isNull();

        subscribed(socket, "a".repeat(30));
        subscribed(socket, "private-" + "b".repeat(192));
    }

    @Test
    void presenceCarriesIdsHashAndCountWithUserIdsAsStrings() {
        harness = new SessionHarness(2);
        Socket first = connect();
        Socket second = connect();

        member(first, "presence-wire", "{\"user_id\":42,\"user_info\":{\"name\":\"Forty-two\"}}");
        Frame succeeded = only(member(second, "presence-wire", "{\"user_id\":\"7\"}"));

        assertThat(succeeded.json().get("data").isTextual()).isTrue();
        JsonNode presence = data(succeeded).path("presence");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
        List<String> ids = new ArrayList<>();
        presence.path("ids")
                .forEach(
                        id -> {
                            assertThat(id.isTextual()).as("id %s is a string", id).isTrue();
                            ids.add(id.asText());
                        });
        assertThat(ids).containsExactlyInAnyOrder("42", "7");
        assertThat(presence.path("hash").path("42").path("name").asText()).isEqualTo("Forty-two");
        assertThat(presence.path("hash").has("7")).isTrue();

        Frame added = only(first.frames());
        assertThat(added.event()).isEqualTo("pusher_internal:member_added");
        assertThat(added.json().get("data").isTextual()).isTrue();
        assertThat(data(added).path("user_id").isTextual()).isTrue();
        assertThat(data(added).path("user_id").asText()).isEqualTo("7");

        second.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"presence-wire\"}}");
        Frame removed = only(first.frames());
        assertThat(removed.event()).isEqualTo("pusher_internal:member_removed");
        assertThat(data(removed).path("user_id").asText()).isEqualTo("7");
    }

    @Test
    void stopsDeliveringAfterUnsubscribeAndIgnoresAnUnsubscribeFromAChannelNeverJoined() {
        harness = new SessionHarness(1);
        Socket socket = connect();
        subscribed(socket, "left");
        subscribed(socket, "stayed");

        socket.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"left\"}}");
        socket.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"never\"}}");
        assertThat(socket.frames()).as("unsubscribe has no reply").isEmpty();
        publish("left", "gone", "{}");
        publish("stayed", "here", "{}");

        assertThat(socket.frames()).extracting(Frame::event).containsExactly("here");
    }

    @Test
    void limitsAConnectionTo100ChannelsByDefaultWith4304() {
        harness = new SessionHarness(1);
        Socket socket = connect();
        for (int i = 0; i < 100; i++) {
            socket.send(subscribe("hundred-" + i, null, null));
        }
        assertThat(socket.frames())
                .hasSize(100)
                .extracting(Frame::event)
                .containsOnly("pusher_internal:subscription_succeeded");

        socket.send(subscribe("hundred-100", null, null));

        errorAndStillOpen(socket, 4304);
    }

    @Test
    void capsAPresenceChannelAt100MembersByDefaultWith4306() {
        harness = new SessionHarness(101);
        String room = "presence-hundred";
        for (int i = 0; i < 100; i++) {
            assertThat(member(connect(), room, "{\"user_id\":\"member-" + i + "\"}"))
                    .extracting(Frame::event)
                    .contains("pusher_internal:subscription_succeeded");
        }

        List<Frame> answers = member(connect(), room, "{\"user_id\":\"member-100\"}");

        assertThat(answers)
                .extracting(Frame::event)
                .containsExactly("pusher:error", "pusher:subscription_error");
        assertThat(answers.get(0).json().path("data").path("code").asInt()).isEqualTo(4306);
        assertThat(answers.get(1).json().path("channel").asText()).isEqualTo(room);
        assertThat(harness.context.view().userCount(APP.id(), room).toCompletableFuture().join())
                .isEqualTo(100);
    }

    // --- client events ---

    @Test
    void relaysClientEventDataVerbatimToOthersWithoutEchoOrUserId() {
        harness = new SessionHarness(3);
        Socket sender = connect();
        Socket receiver = connect();
        Socket third = connect();
        for (Socket s : List.of(sender, receiver, third)) {
            subscribed(s, "private-verbatim");
        }

        sender.send(
                clientEvent(
                        "private-verbatim",
                        "client-object",
                        "{\"list\":[1,2,3],\"nested\":{\"x\":\"y\"}}"));
        sender.send(clientEvent("private-verbatim", "client-string", "\"plain text\""));
        sender.send(clientEvent("private-verbatim", "client-big", quoted("x".repeat(10_240 - 2))));

        List<Frame> relayed = receiver.frames();
        assertThat(relayed)
                .extracting(Frame::event)
                .containsExactly("client-object", "client-string", "client-big");
        assertThat(relayed.get(0).json().get("data").toString())
                .isEqualTo("{\"list\":[1,2,3],\"nested\":{\"x\":\"y\"}}");
        assertThat(relayed.get(0).json().has("user_id")).isFalse();
        assertThat(relayed.get(1).json().get("data").asText()).isEqualTo("plain text");
        assertThat(third.frames()).hasSize(3);
        assertThat(sender.frames()).as("nothing echoed, no error").isEmpty();
    }

    @Test
    void addsTheSendersUserIdToAClientEventOnAPresenceChannel() {
        harness = new SessionHarness(2);
        Socket sender = connect();
        Socket receiver = connect();
        member(sender, "presence-relay", "{\"user_id\":\"sender-1\"}");
        member(receiver, "presence-relay", "{\"user_id\":\"receiver-1\"}");
        sender.frames();

        sender.send(clientEvent("presence-relay", "client-hello", "{\"hi\":1}"));

        Frame relayed = only(receiver.frames());
        assertThat(relayed.json().path("user_id").asText()).isEqualTo("sender-1");
        assertThat(relayed.json().get("data").toString()).isEqualTo("{\"hi\":1}");
        assertThat(sender.frames()).isEmpty();
    }

    @Test
    void refusesClientEventsOnPublicAndEncryptedChannelsAndFromNonSubscribersWith4303() {
        harness = new SessionHarness(2);
        Socket sender = connect();
        Socket receiver = connect();
        for (String channel : List.of("talk", "private-encrypted-secret", "private-members")) {
            subscribed(receiver, channel);
        }
        subscribed(sender, "talk");
        subscribed(sender, "private-encrypted-secret");

        for (String channel : List.of("talk", "private-encrypted-secret", "private-members")) {
            sender.send(clientEvent(channel, "client-refused", "{}"));
            errorAndStillOpen(sender, 4303);
        }

        assertThat(receiver.frames()).as("nothing relayed").isEmpty();
    }

    @Test
    void refusesClientEventsNotNamedClientAndNeverRelaysPusherInternalEvents() {
        harness = new SessionHarness(2);
        Socket sender = connect();
        Socket receiver = connect();
        subscribed(sender, "private-names");
        subscribed(receiver, "private-names");

        // the contract lists a name without client- under 4303 and 4300; either code, the name said
        sender.send(clientEvent("private-names", "typing", "{}"));
        List<Frame> named = sender.frames();
        assertThat(named).extracting(Frame::event).containsExactly("pusher:error");
        assertThat(named.get(0).json().path("data").path("code").asInt()).isIn(4300, 4303);
        assertThat(named.get(0).json().path("data").path("message").asText()).contains("typing");
        sender.send(
                clientEvent(
                        "private-names",
                        "pusher_internal:member_added",
                        quoted("{\"user_id\":\"ghost\"}")));
        List<Frame> frames = sender.frames();
        assertThat(frames).extracting(Frame::event).containsExactly("pusher:error");
        assertThat(frames.get(0).json().path("data").path("code").asInt()).isBetween(4300, 4399);

        assertThat(receiver.frames()).as("nothing relayed").isEmpty();
    }

    @Test
    void rateLimitsClientEventsAt10PerSecondByDefaultWith4301() {
        harness = new SessionHarness(2);
        Socket sender = connect();
        Socket receiver = connect();
        subscribed(sender, "private-rate");
        subscribed(receiver, "private-rate");

        for (int i = 0; i < 30; i++) {
            sender.send(clientEvent("private-rate", "client-flood", "{\"i\":" + i + "}"));
        }

        List<Frame> refusals = sender.frames();
        assertThat(refusals)
                .isNotEmpty()
                .allSatisfy(
                        f -> {
                            assertThat(f.event()).isEqualTo("pusher:error");
                            assertThat(f.json().path("data").path("code").asInt()).isEqualTo(4301);
                        });
        List<Integer> delivered =
                receiver.frames().stream()
                        .map(f -> f.json().path("data").path("i").asInt())
                        .toList();
        assertThat(delivered).isNotEmpty().hasSizeLessThanOrEqualTo(20).isSorted();
        assertThat(delivered.size() + refusals.size())
                .as("each event is delivered or refused")
                .isEqualTo(30);
        sender.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(only(sender.frames()).event()).isEqualTo("pusher:pong");
    }

    @Test
    void refusesClientEventDataOver10240BytesWith4305() {
        harness = new SessionHarness(2);
        Socket sender = connect();
        Socket receiver = connect();
        subscribed(sender, "private-big");
        subscribed(receiver, "private-big");

        sender.send(clientEvent("private-big", "client-big", quoted("x".repeat(10_241))));

        errorAndStillOpen(sender, 4305);
        assertThat(receiver.frames()).isEmpty();
    }

    @Test
    void refusesEveryClientEventWith4303WhenTheAppDisablesThemButServerEventsStillFlow() {
        App closed = APP.withFeatures(AppFeatures.defaults().withClientEvents(false));
        harness = new SessionHarness(2);
        Socket sender = connect(closed);
        Socket receiver = connect(closed);
        String data = "{\"user_id\":\"a\"}";
        for (Socket s : List.of(sender, receiver)) {
            s.send(
                    subscribe(
                            "private-off",
                            SessionHarness.auth(closed, s.id(), "private-off", null),
                            null));
            s.send(
                    subscribe(
                            "presence-off",
                            SessionHarness.auth(closed, s.id(), "presence-off", data),
                            data));
            s.frames();
        }
        sender.frames();

        for (String channel : List.of("private-off", "presence-off")) {
            sender.send(clientEvent(channel, "client-blocked", "{\"x\":1}"));
            errorAndStillOpen(sender, 4303);
        }
        assertThat(receiver.frames()).isEmpty();

        publish("private-off", "server-event", "{}");
        assertThat(only(receiver.frames()).event()).isEqualTo("server-event");
    }
}
