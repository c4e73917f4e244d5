package dev.herald.session;

import static dev.herald.session.Wire.clientEvent;
import static dev.herald.session.Wire.data;
import static dev.herald.session.Wire.errorAndStillOpen;
import static dev.herald.session.Wire.errorThenClose;
import static dev.herald.session.Wire.only;
import static dev.herald.session.Wire.signinMessage;
import static dev.herald.session.Wire.subscribe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.session.Wire.Limits;
import dev.herald.session.Wire.Socket;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * User sign-in (docs/protocol.md §4.1), the {@code #server-to-user-} channel (4.3), presence
 * members taken from the sign-in (3.5) and watchlist events (4.4) on the wire, in-process. Sending
 * to users and terminating them over HTTP are in {@code HttpApiTest$Users}; the libraries' side
 * (pusher-js's {@code signin()}, pusher-java-client's {@code UserAuthenticator}) is end to end in
 * {@code users.test.js} and {@code UserAuthenticationIT}.
 */
class UsersTest {

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

    private Socket signedIn(App app, String userData) {
        Socket socket = Socket.open(harness, app);
        assertThat(socket.signin(userData))
                .extracting(Frame::event)
                .startsWith("pusher:signin_success");
        return socket;
    }

    // --- sign-in ---

    @Test
    void answersASigninWithSigninSuccessCarryingTheSameUserDataString() {
        harness = new SessionHarness(1);
        Socket socket = Socket.open(harness, APP);
        String userData = "{\"id\":\"dora\",\"user_info\":{\"name\":\"Dora\",\"tags\":[1,2]}}";

        Frame success = only(socket.signin(userData));

        assertThat(success.event()).isEqualTo("pusher:signin_success");
        assertThat(data(success).path("user_data").isTextual())
                .as("user_data is a JSON string: %s", success)
                .isTrue();
        assertThat(data(success).path("user_data").asText()).isEqualTo(userData);
    }

    @Test
    void refusesASigninWithABadSignatureNoIdOrUserDataChangedAfterSigningWith4009AndCloses() {
        harness = new SessionHarness(3);
        Socket wrongSecret = Socket.open(harness, APP);
        Socket noId = Socket.open(harness, APP);
        Socket tampered = Socket.open(harness, APP);
        App forged = App.of("1", APP.key(), "not-the-secret");

        wrongSecret.send(
                signinMessage(
                        "{\"id\":\"mallory\"}",
                        SessionHarness.signin(forged, wrongSecret.id(), "{\"id\":\"mallory\"}")));
        String nobody = "{\"user_info\":{\"name\":\"nobody\"}}";
        noId.send(signinMessage(nobody, SessionHarness.signin(APP, noId.id(), nobody)));
        tampered.send(
                signinMessage(
                        "{\"id\":\"impostor\"}",
                        SessionHarness.signin(APP, tampered.id(), "{\"id\":\"honest\"}")));

        Frame error = errorThenClose(wrongSecret.frames(), 4009);
        assertThat(error.json().path("data").path("message").asText()).isNotBlank();
        errorThenClose(noId.frames(), 4009);
        errorThenClose(tampered.frames(), 4009);
    }

    @Test
    void refusesASigninWhenTheAppHasUserAuthenticationOffWith4009() {
        App off =
                App.of("2", "key-2", "secret-2")
                        .withFeatures(
                                new AppFeatures(
                                        false, false, true, false, false, Duration.ofSeconds(30)));
        harness = new SessionHarness(2);
        Socket socket = Socket.open(harness, off);

        socket.send(
                signinMessage(
                        "{\"id\":\"b\"}",
                        SessionHarness.signin(off, socket.id(), "{\"id\":\"b\"}")));

        errorAndStillOpen(socket, 4009);
        signedIn(APP, "{\"id\":\"b\"}");
    }

    // --- #server-to-user- ---

    @Test
    void refusesAnotherUsersServerToUserChannelWith4009AndDeliversItNothingButTakesTheOwnOne() {
        harness = new SessionHarness(3);
        Socket bob = signedIn(APP, "{\"id\":\"bob\"}");
        Socket anonymous = Socket.open(harness, APP);
        Socket erin = signedIn(APP, "{\"id\":\"erin\"}");

        for (Socket socket : List.of(bob, anonymous)) {
            socket.send(subscribe("#server-to-user-carol", null, null));
            errorAndStillOpen(socket, 4009);
        }
        erin.subscribed("#server-to-user-erin");
        Wire.publish(harness, APP, "#server-to-user-carol", "for-carol", "{}");
        Wire.publish(harness, APP, "#server-to-user-erin", "for-erin", "{\"n\":1}");

        assertThat(bob.frames()).isEmpty();
        assertThat(anonymous.frames()).isEmpty();
        Frame event = only(erin.frames());
        assertThat(event.event()).isEqualTo("for-erin");
        assertThat(event.json().path("channel").asText()).isEqualTo("#server-to-user-erin");
        assertThat(event.json().path("data").asText()).isEqualTo("{\"n\":1}");
    }

    // --- presence from the sign-in ---

    @Test
    void takesThePresenceMemberFromTheSigninWhenThereIsNoChannelData() {
        harness = new SessionHarness(2);
        String room = "presence-signed";
        Socket observer = Socket.open(harness, APP);
        observer.member(room, "{\"user_id\":\"observer\",\"user_info\":{\"role\":\"obs\"}}");
        Socket carol = signedIn(APP, "{\"id\":\"carol\",\"user_info\":{\"name\":\"Carol\"}}");

        // pusher-js 7.4+: signed over socket_id:channel only, no channel_data
        carol.send(subscribe(room, SessionHarness.auth(APP, carol.id(), room, null), null));

        JsonNode presence = data(only(carol.frames())).path("presence");
        assertThat(texts(presence.path("ids"))).containsExactlyInAnyOrder("observer", "carol");
        assertThat(presence.path("hash").path("carol").path("name").asText()).isEqualTo("Carol");
        assertThat(presence.path("hash").path("observer").path("role").asText()).isEqualTo("obs");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
        Frame added = only(observer.frames());
        assertThat(added.event()).isEqualTo("pusher_internal:member_added");
        assertThat(data(added).path("user_id").asText()).isEqualTo("carol");
        assertThat(data(added).path("user_info").path("name").asText()).isEqualTo("Carol");
        assertThat(Wire.users(harness, APP, room)).containsExactlyInAnyOrder("observer", "carol");

        carol.send(clientEvent(room, "client-hi", "{}"));
        assertThat(only(observer.frames()).json().path("user_id").asText()).isEqualTo("carol");
    }

    @Test
    void refusesPresenceWithoutChannelDataFromASocketNotSignedInWith4307AndAddsNoMember() {
        harness = new SessionHarness(2);
        String room = "presence-unsigned";
        Socket observer = Socket.open(harness, APP);
        observer.member(room, "{\"user_id\":\"observer\"}");
        Socket stranger = Socket.open(harness, APP);

        stranger.send(subscribe(room, SessionHarness.auth(APP, stranger.id(), room, null), null));

        List<Frame> refused = errorAndStillOpen(stranger, 4307);
        assertThat(refused)
                .extracting(Frame::event)
                .containsExactly("pusher:error", "pusher:subscription_error");
        assertThat(refused.get(1).json().path("channel").asText()).isEqualTo(room);
        assertThat(observer.frames()).as("no member_added").isEmpty();
        assertThat(Wire.users(harness, APP, room)).containsExactly("observer");
    }

    // --- watchlist ---

    @Test
    void reportsEachWatchedUserOnlineAndOfflineOncePerUserNotPerSocket() {
        harness = new SessionHarness(7);
        Socket watcher = Socket.open(harness, APP);
        List<Frame> first = watcher.signin("{\"id\":\"wl-a\",\"watchlist\":[\"wl-b\",\"wl-c\"]}");
        assertThat(first)
                .extracting(Frame::event)
                .containsExactly("pusher:signin_success", "pusher_internal:watchlist_events");
        assertThat(first.get(1).json().has("channel")).as("no channel: %s", first.get(1)).isFalse();
        assertThat(watchlist(first)).containsExactlyInAnyOrder("offline:wl-b", "offline:wl-c");

        Socket b1 = signedIn(APP, "{\"id\":\"wl-b\"}");
        assertThat(watchlist(watcher.frames())).containsExactly("online:wl-b");
        Socket b2 = signedIn(APP, "{\"id\":\"wl-b\"}");
        assertThat(watcher.frames()).as("wl-b's second socket announces nothing").isEmpty();
        Socket c1 = signedIn(APP, "{\"id\":\"wl-c\"}");
        assertThat(watchlist(watcher.frames())).containsExactly("online:wl-c");

        b1.close();
        assertThat(watcher.frames()).as("wl-b is still online through b2").isEmpty();
        c1.close();
        assertThat(watchlist(watcher.frames())).containsExactly("offline:wl-c");
        // a watcher signing in now is told wl-b is online and wl-c offline
        Socket second = Socket.open(harness, APP);
        assertThat(watchlist(second.signin("{\"id\":\"wl-a2\",\"watchlist\":[\"wl-b\",\"wl-c\"]}")))
                .containsExactlyInAnyOrder("online:wl-b", "offline:wl-c");

        b2.close();
        assertThat(watchlist(watcher.frames())).containsExactly("offline:wl-b");
        assertThat(watchlist(second.frames())).containsExactly("offline:wl-b");
        signedIn(APP, "{\"id\":\"wl-c\"}");
        assertThat(watchlist(watcher.frames()))
                .as("offline:wl-b was sent once")
                .containsExactly("online:wl-c");
    }

    @Test
    void refusesAWatchlistOverTheAppsLimitWith4009AndClosesButTakesOneAtIt() {
        App one =
                App.of("2", "key-2", "secret-2")
                        .withLimits(new Limits().maxWatchlistSize(1).build());
        harness = new SessionHarness(4);
        String hundred =
                IntStream.range(0, 100)
                        .mapToObj(i -> "\"wl-many-" + i + "\"")
                        .collect(Collectors.joining(",", "[", "]"));
        String hundredAndOne = hundred.replace("]", ",\"wl-many-100\"]");

        errorThenClose(
                Socket.open(harness, APP)
                        .signin("{\"id\":\"greedy\",\"watchlist\":" + hundredAndOne + "}"),
                4009);
        List<Frame> enough =
                Socket.open(harness, APP).signin("{\"id\":\"fine\",\"watchlist\":" + hundred + "}");
        assertThat(watchlist(enough)).hasSize(100).allMatch(s -> s.startsWith("offline:"));
        errorThenClose(
                Socket.open(harness, one).signin("{\"id\":\"g\",\"watchlist\":[\"a\",\"b\"]}"),
                4009);
        assertThat(
                        watchlist(
                                Socket.open(harness, one)
                                        .signin("{\"id\":\"h\",\"watchlist\":[\"a\"]}")))
                .containsExactly("offline:a");
    }

    @Test
    void sendsNoWatchlistEventsForAnAppWithTheWatchlistOff() {
        App off =
                App.of("2", "key-2", "secret-2")
                        .withFeatures(
                                new AppFeatures(
                                        false, true, false, false, false, Duration.ofSeconds(30)));
        harness = new SessionHarness(2);
        Socket watcher = Socket.open(harness, off);

        assertThat(watcher.signin("{\"id\":\"watcher\",\"watchlist\":[\"someone\"]}"))
                .extracting(Frame::event)
                .containsExactly("pusher:signin_success");
        signedIn(off, "{\"id\":\"someone\"}");

        assertThat(watcher.frames()).isEmpty();
    }

    /** The events of watchlist frames flattened to {@code name:user_id}. */
    private static Set<String> watchlist(List<Frame> frames) {
        Set<String> flat = new TreeSet<>();
        for (Frame frame : frames) {
            assertThat(frame.event())
                    .isIn("pusher:signin_success", "pusher_internal:watchlist_events");
            if (frame.event().equals("pusher_internal:watchlist_events")) {
                for (JsonNode event : data(frame).path("events")) {
                    for (JsonNode id : event.path("user_ids")) {
                        flat.add(event.path("name").asText() + ":" + id.asText());
                    }
                }
            }
        }
        return flat;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
