package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.limits.MessageBudget;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The session's handlers on {@link io.netty.channel.embedded.EmbeddedChannel}s: what a client's
 * messages get back, frame by frame, without a server process.
 */
class SessionHandlersTest {

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

    private static String subscribe(String channel, String auth) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                + channel
                + "\""
                + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                + "}}";
    }

    private static List<String> events(List<Frame> frames) {
        return frames.stream()
                .map(f -> f.opcode() == Frame.TEXT ? f.event() : f.toString())
                .toList();
    }

    @Test
    void aStartedSessionSaysConnectionEstablishedWithItsSocketIdAndActivityTimeout() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);

        List<Frame> frames = client.frames();

        assertThat(events(frames)).containsExactly("pusher:connection_established");
        assertThat(frames.get(0).json().path("data").asText())
                .matches("\\{\"socket_id\":\"\\d+\\.\\d+\",\"activity_timeout\":120}");
    }

    @Test
    void subscribeAndUnsubscribeChangeTheHubAndAreAnswered() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);
        client.frames();

        client.send(subscribe("room", null));
        assertThat(events(client.frames()))
                .containsExactly("pusher_internal:subscription_succeeded");
        assertThat(harness.hub.channel("1", "room").subscriptionCount()).isEqualTo(1);

        client.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"room\"}}");
        assertThat(client.frames()).isEmpty();
        assertThat(harness.hub.channel("1", "room")).isNull();
        assertThat(harness.events).containsExactly("occupied room", "vacated room");
    }

    @Test
    void aPrivateChannelNeedsTheAppsSignatureOfThisSocket() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);
        String socketId = client.socketId();

        client.send(subscribe("private-room", "key-1:" + "0".repeat(64)));
        List<Frame> refused = client.frames();
        assertThat(events(refused)).containsExactly("pusher:error", "pusher:subscription_error");
        assertThat(refused.get(0).json().path("data").path("code").asInt()).isEqualTo(4009);
        assertThat(refused.get(1).json().path("data").path("type").asText()).isEqualTo("AuthError");
        assertThat(refused.get(1).json().path("data").path("status").asInt()).isEqualTo(401);
        assertThat(harness.hub.channel("1", "private-room")).isNull();

        client.send(
                subscribe(
                        "private-room", SessionHarness.auth(APP, socketId, "private-room", null)));
        assertThat(events(client.frames()))
                .containsExactly("pusher_internal:subscription_succeeded");
    }

    @Test
    void aSignedInSocketJoinsItsUserChannelAndABadSignatureClosesWith4009() {
        harness = new SessionHarness(2);
        App app =
                APP.withFeatures(
                        new AppFeatures(true, true, false, false, false, Duration.ofSeconds(30)));
        String userData = "{\"id\":\"ada\"}";
        Client good = harness.connect(app);
        String socketId = good.socketId();

        good.send(
                "{\"event\":\"pusher:signin\",\"data\":{\"user_data\":"
                        + quoted(userData)
                        + ",\"auth\":\""
                        + SessionHarness.signin(app, socketId, userData)
                        + "\"}}");
        assertThat(events(good.frames())).containsExactly("pusher:signin_success");
        assertThat(harness.hub.channel("1", "#server-to-user-ada").subscriptionCount())
                .isEqualTo(1);

        Client bad = harness.connect(app);
        bad.frames();
        bad.send(
                "{\"event\":\"pusher:signin\",\"data\":{\"user_data\":"
                        + quoted(userData)
                        + ",\"auth\":\"key-1:nope\"}}");
        List<Frame> frames = bad.frames();
        assertThat(events(frames).get(0)).isEqualTo("pusher:error");
        assertThat(frames.get(frames.size() - 1).closeCode()).isEqualTo(4009);
    }

    @Test
    void aClientEventReachesTheOtherSubscriberNotTheSenderAndIsReported() {
        harness = new SessionHarness(2);
        Client sender = harness.connect(APP);
        Client other = harness.connect(APP);
        for (Client c : List.of(sender, other)) {
            String socketId = c.socketId();
            c.send(
                    subscribe(
                            "private-room",
                            SessionHarness.auth(APP, socketId, "private-room", null)));
            c.frames();
        }

        sender.send(
                "{\"event\":\"client-typing\",\"channel\":\"private-room\",\"data\":{\"on\":true}}");

        List<Frame> delivered = other.frames();
        assertThat(events(delivered)).containsExactly("client-typing");
        assertThat(delivered.get(0).json().path("data").toString()).isEqualTo("{\"on\":true}");
        assertThat(sender.frames()).isEmpty();
        assertThat(harness.events)
                .contains("client event private-room client-typing {\"on\":true}");
    }

    @Test
    void aClientEventOnAPublicChannelIsRefusedWith4303() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);
        client.frames();
        client.send(subscribe("room", null));
        client.frames();

        client.send("{\"event\":\"client-typing\",\"channel\":\"room\",\"data\":{}}");

        List<Frame> frames = client.frames();
        assertThat(events(frames)).containsExactly("pusher:error");
        assertThat(frames.get(0).json().path("data").path("code").asInt()).isEqualTo(4303);
    }

    @Test
    void pastItsMessageBudgetAConnectionIsClosedWith4100() {
        harness = new SessionHarness(1, new MessageBudget(1, 3), 10_240);
        Client client = harness.connect(APP);
        client.frames();

        for (int i = 0; i < 4; i++) {
            client.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        }

        List<Frame> frames = client.frames();
        assertThat(events(frames).subList(0, 3)).containsOnly("pusher:pong");
        assertThat(events(frames).get(3)).isEqualTo("pusher:error");
        assertThat(frames.get(frames.size() - 1).closeCode()).isEqualTo(4100);
    }

    @Test
    void aTextMessageThatIsNotUtf8ClosesWith1007() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);
        client.frames();

        client.send(
                new TextWebSocketFrame(
                        Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})));

        List<Frame> frames = client.frames();
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).closeCode()).isEqualTo(1007);
    }

    @Test
    void pingsAreAnsweredInKind() {
        harness = new SessionHarness(1);
        Client client = harness.connect(APP);
        client.frames();

        client.send("{\"event\":\"pusher:ping\",\"data\":{}}");
        assertThat(events(client.frames())).containsExactly("pusher:pong");

        client.send(
                new PingWebSocketFrame(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)));
        List<Frame> frames = client.frames();
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).opcode()).isEqualTo(Frame.PONG);
        assertThat(frames.get(0).text()).isEqualTo("hello");
    }

    @Test
    void theHandshakeRefusesInItsOrderWithTheSameCodeInErrorAndClose() {
        App disabled = APP.withEnabled(false);
        App quota = App.of("2", "key-2", "secret-2").withLimits(limitsWithMaxConnections(1));
        App originBound =
                App.of("3", "key-3", "secret-3")
                        .withFeatures(
                                new AppFeatures(
                                        false,
                                        false,
                                        false,
                                        false,
                                        false,
                                        Duration.ofSeconds(30),
                                        List.of("https://good.example")));
        harness = new SessionHarness(7);

        assertThat(refusal(harness.connect(null, "nobody", null, "7"))).isEqualTo(4001);
        assertThat(refusal(harness.connect(APP, APP.key(), null, "8"))).isEqualTo(4007);
        assertThat(refusal(harness.connect(disabled, disabled.key(), null, "7"))).isEqualTo(4003);
        assertThat(events(harness.connect(quota).frames()))
                .containsExactly("pusher:connection_established");
        assertThat(refusal(harness.connect(quota))).isEqualTo(4004);
        assertThat(
                        refusal(
                                harness.connect(
                                        originBound,
                                        originBound.key(),
                                        "https://evil.example",
                                        "7")))
                .isEqualTo(4009);
        // the origin is checked before the protocol
        assertThat(
                        refusal(
                                harness.connect(
                                        originBound,
                                        originBound.key(),
                                        "https://evil.example",
                                        "99")))
                .isEqualTo(4009);
    }

    /** The code of a refused connection: {@code pusher:error} then a close frame, both with it. */
    private static int refusal(Client client) {
        List<Frame> frames = client.frames();
        assertThat(frames).hasSize(2);
        int code = frames.get(0).json().path("data").path("code").asInt();
        assertThat(frames.get(1).closeCode()).isEqualTo(code);
        return code;
    }

    private static AppLimits limitsWithMaxConnections(int max) {
        AppLimits d = AppLimits.defaults();
        return new AppLimits(
                max,
                d.maxEventBytes(),
                d.maxChannelsPerConnection(),
                d.maxPresenceMembers(),
                d.maxPresenceUserInfoBytes(),
                d.clientEventsPerSecond(),
                d.maxChannelNameLength(),
                d.maxWatchlistSize(),
                d.cacheTtl(),
                d.apiRequestsPerSecond());
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }
}
