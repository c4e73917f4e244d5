package dev.herald.session;

import static dev.herald.session.Wire.clientEvent;
import static dev.herald.session.Wire.code;
import static dev.herald.session.Wire.data;
import static dev.herald.session.Wire.errorAndStillOpen;
import static dev.herald.session.Wire.errorThenClose;
import static dev.herald.session.Wire.only;
import static dev.herald.session.Wire.quoted;
import static dev.herald.session.Wire.subscribe;
import static dev.herald.session.Wire.unsubscribe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.session.Wire.Limits;
import dev.herald.session.Wire.Socket;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Frame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An app's configured limits on the wire, with small values: channels per connection (4304),
 * presence members (4306) and user_info size (4307), client events per second (4301), event size
 * (4305), channel name length (4302) and connections (4004). The defaults are in {@link
 * ProtocolTest}; an apps file or HERALD_* setting reaching these fields is in {@code
 * SettingOptionsTest} and the end-to-end {@code apps-config.test.js}.
 */
class LimitsTest {

    private static final AppFeatures CLIENT_EVENTS_ON =
            AppFeatures.defaults().withClientEvents(true);

    private SessionHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private static App app(String id, Limits limits) {
        return App.of(id, "key-" + id, "secret-" + id)
                .withFeatures(CLIENT_EVENTS_ON)
                .withLimits(limits.build());
    }

    @Test
    void
            refusesTheChannelBeyondTheLimitWith4304AndKeepsTheOthersAndRoomComesBackAfterAnUnsubscribe() {
        App app = app("1", new Limits().maxChannels(3));
        harness = new SessionHarness(2);
        Socket socket = Socket.open(harness, app);
        socket.subscribed("lim-a");
        socket.subscribed("private-lim-b");
        socket.subscribed("lim-c");

        socket.send(subscribe("lim-d", null, null));
        errorAndStillOpen(socket, 4304);
        Wire.publish(harness, app, "lim-a", "still", "{}");
        assertThat(only(socket.frames()).event())
                .as("the channels held still deliver")
                .isEqualTo("still");

        // subscribing again to a channel held does not count twice
        socket.send(subscribe("lim-c", null, null));
        assertThat(only(socket.frames()).event())
                .isEqualTo("pusher_internal:subscription_succeeded");

        socket.send(unsubscribe("lim-a"));
        socket.subscribed("lim-e");

        // the limit is per connection
        Socket other = Socket.open(harness, app);
        for (String channel : List.of("lim-a", "lim-b", "lim-c")) {
            other.subscribed(channel);
        }
        other.send(subscribe("lim-f", null, null));
        errorAndStillOpen(other, 4304);
    }

    @Test
    void refusesADistinctUserBeyondThePresenceCapWith4306ButTakesAnotherSocketOfAMember() {
        App app = app("1", new Limits().maxPresenceMembers(2));
        harness = new SessionHarness(6);
        String room = "presence-capped";
        Socket alice = Socket.open(harness, app);
        Socket bob = Socket.open(harness, app);
        alice.member(room, "{\"user_id\":\"alice\"}");
        bob.member(room, "{\"user_id\":\"bob\"}");
        alice.frames();
        Socket carol = Socket.open(harness, app);

        carol.send(
                subscribe(
                        room,
                        SessionHarness.auth(app, carol.id(), room, "{\"user_id\":\"carol\"}"),
                        "{\"user_id\":\"carol\"}"));

        List<Frame> refused = errorAndStillOpen(carol, 4306);
        assertThat(refused)
                .extracting(Frame::event)
                .containsExactly("pusher:error", "pusher:subscription_error");
        assertThat(refused.get(1).json().path("channel").asText()).isEqualTo(room);
        assertThat(data(refused.get(1)).isObject()).isTrue();
        assertThat(data(refused.get(1)).has("status")).as("%s", refused.get(1)).isTrue();

        Socket alicesSecond = Socket.open(harness, app);
        Frame joined = only(alicesSecond.member(room, "{\"user_id\":\"alice\"}"));
        JsonNode presence = data(joined).path("presence");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
        assertThat(texts(presence.path("ids"))).containsExactlyInAnyOrder("alice", "bob");
        assertThat(bob.frames())
                .as("no member_added for carol nor for alice's second socket")
                .isEmpty();
        assertThat(harness.context.view().userCount(app.id(), room).toCompletableFuture().join())
                .isEqualTo(2);
        assertThat(Wire.users(harness, app, room)).containsExactlyInAnyOrder("alice", "bob");

        // a member leaving makes room for a new user
        bob.send(unsubscribe(room));
        assertThat(only(alice.frames()).event()).isEqualTo("pusher_internal:member_removed");
        Socket carolAgain = Socket.open(harness, app);
        JsonNode after =
                data(only(carolAgain.member(room, "{\"user_id\":\"carol\"}"))).path("presence");
        assertThat(after.path("count").asInt()).isEqualTo(2);
        assertThat(texts(after.path("ids"))).containsExactlyInAnyOrder("alice", "carol");
    }

    @Test
    void refusesUserInfoOverItsLimitAndChannelDataWithoutAUserIdWith4307() {
        App defaults = app("1", new Limits());
        App small = app("2", new Limits().maxUserInfoBytes(100));
        harness = new SessionHarness(3);
        Socket socket = Socket.open(harness, defaults);
        Socket limited = Socket.open(harness, small);

        // 1 KB by default
        String bio = "{\"user_id\":\"big\",\"user_info\":{\"bio\":\"" + "b".repeat(2_000) + "\"}}";
        socket.send(
                subscribe(
                        "presence-big-info",
                        SessionHarness.auth(defaults, socket.id(), "presence-big-info", bio),
                        bio));
        errorAndStillOpen(socket, 4307);
        String anonymous = "{\"user_info\":{\"name\":\"nobody\"}}";
        socket.send(
                subscribe(
                        "presence-anonymous",
                        SessionHarness.auth(defaults, socket.id(), "presence-anonymous", anonymous),
                        anonymous));
        errorAndStillOpen(socket, 4307);

        assertThat(
                        limited.member(
                                "presence-info-size",
                                "{\"user_id\":\"small\",\"user_info\":{\"pad\":\""
                                        + "x".repeat(50)
                                        + "\"}}"))
                .extracting(Frame::event)
                .containsExactly("pusher_internal:subscription_succeeded");
        String big = "{\"user_id\":\"big\",\"user_info\":{\"pad\":\"" + "x".repeat(150) + "\"}}";
        Socket tooBig = Socket.open(harness, small);
        tooBig.send(
                subscribe(
                        "presence-info-size",
                        SessionHarness.auth(small, tooBig.id(), "presence-info-size", big),
                        big));
        errorAndStillOpen(tooBig, 4307);
        assertThat(Wire.users(harness, small, "presence-info-size")).containsExactly("small");
    }

    @Test
    void rateLimitsClientEventsAtTheAppsRateWith4301AndKeepsTheConnection() {
        App app = app("1", new Limits().clientEventsPerSecond(3));
        harness = new SessionHarness(2);
        Socket sender = Socket.open(harness, app);
        Socket receiver = Socket.open(harness, app);
        sender.subscribed("private-rate");
        receiver.subscribed("private-rate");
        int burst = 3 * 4;

        for (int i = 0; i < burst; i++) {
            sender.send(clientEvent("private-rate", "client-burst", "{\"i\":" + i + "}"));
        }

        List<Frame> refusals = sender.frames();
        assertThat(refusals)
                .isNotEmpty()
                .allSatisfy(
                        f -> {
                            assertThat(f.event()).isEqualTo("pusher:error");
                            assertThat(code(f)).isEqualTo(4301);
                            assertThat(f.json().path("data").path("message").asText()).isNotBlank();
                        });
        sender.ping();
        long relayed =
                receiver.frames().stream().filter(f -> f.event().equals("client-burst")).count();
        assertThat(relayed)
                .as("some of the burst is relayed, not all of it")
                .isPositive()
                .isLessThan(burst);
        assertThat(relayed + refusals.size()).isEqualTo(burst);
    }

    @Test
    void refusesAClientEventOverTheAppsEventSizeWith4305AndRelaysOneWithin() {
        App tiny = app("1", new Limits().maxEventBytes(100));
        App twoKilobytes = app("2", new Limits().maxEventBytes(2_000));
        harness = new SessionHarness(4);
        for (App app : List.of(tiny, twoKilobytes)) {
            Socket sender = Socket.open(harness, app);
            Socket receiver = Socket.open(harness, app);
            sender.subscribed("private-size");
            receiver.subscribed("private-size");
            int over = app == tiny ? 120 : 2_500;
            int within = app == tiny ? 10 : 1_500;

            sender.send(
                    clientEvent(
                            "private-size",
                            "client-big",
                            "{\"pad\":" + quoted("x".repeat(over)) + "}"));
            errorAndStillOpen(sender, 4305);
            sender.send(
                    clientEvent(
                            "private-size",
                            "client-fits",
                            "{\"pad\":" + quoted("x".repeat(within)) + "}"));

            assertThat(receiver.frames())
                    .as("the big one was not relayed")
                    .extracting(Frame::event)
                    .containsExactly("client-fits");
        }
    }

    @Test
    void refusesAChannelNameOverTheAppsLengthWith4302() {
        App app = app("1", new Limits().maxChannelNameLength(50));
        harness = new SessionHarness(1);
        Socket socket = Socket.open(harness, app);

        socket.subscribed("c".repeat(50));
        socket.send(subscribe("c".repeat(51), null, null));

        errorAndStillOpen(socket, 4302);
    }

    @Test
    void refusesTheConnectionBeyondTheAppsMaxConnectionsWith4004UntilOneLeaves() {
        App capped = app("1", new Limits().maxConnections(2));
        App other = app("2", new Limits());
        harness = new SessionHarness(5);
        Socket first = Socket.open(harness, capped);
        Socket.open(harness, capped).ping();

        errorThenClose(harness.connect(capped).frames(), 4004);
        Socket.open(harness, other).ping();

        first.close();
        Socket.open(harness, capped).ping();
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
