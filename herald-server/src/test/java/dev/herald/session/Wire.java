package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppLimits;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Json;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the in-process wire tests of this package write and read: Pusher messages as text, and the
 * shape of a refusal. A {@link Socket} is a harness connection with its socket id read.
 */
final class Wire {

    private Wire() {}

    /** A connection of one app, its {@code connection_established} consumed. */
    record Socket(App app, Client client, String id) {
        static Socket open(SessionHarness harness, App app) {
            Client client = harness.connect(app);
            return new Socket(app, client, client.socketId());
        }

        void send(String text) {
            client.send(text);
        }

        List<Frame> frames() {
            return client.frames();
        }

        /** Subscribes (signed for a private channel) and asserts the one answer is a success. */
        void subscribed(String channel) {
            String auth =
                    channel.startsWith("private-")
                            ? SessionHarness.auth(app, id, channel, null)
                            : null;
            send(subscribe(channel, auth, null));
            assertThat(only(frames()).event())
                    .as(channel)
                    .isEqualTo("pusher_internal:subscription_succeeded");
        }

        /** Joins a presence channel with that channel_data, signed; returns the answers. */
        List<Frame> member(String channel, String channelData) {
            send(
                    subscribe(
                            channel,
                            SessionHarness.auth(app, id, channel, channelData),
                            channelData));
            return frames();
        }

        /** Signs in with that user data, signed by the app; returns the answers. */
        List<Frame> signin(String userData) {
            send(signinMessage(userData, SessionHarness.signin(app, id, userData)));
            return frames();
        }

        void ping() {
            send("{\"event\":\"pusher:ping\",\"data\":{}}");
            assertThat(only(frames()).event()).isEqualTo("pusher:pong");
            assertThat(client.channel.isActive()).isTrue();
        }

        void close() {
            client.channel.close();
            client.channel.runPendingTasks();
        }
    }

    static String subscribe(String channel, String auth, String channelData) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                + channel
                + "\""
                + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                + (channelData == null ? "" : ",\"channel_data\":" + quoted(channelData))
                + "}}";
    }

    static String unsubscribe(String channel) {
        return "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"" + channel + "\"}}";
    }

    static String signinMessage(String userData, String auth) {
        return "{\"event\":\"pusher:signin\",\"data\":{\"user_data\":"
                + quoted(userData)
                + ",\"auth\":\""
                + auth
                + "\"}}";
    }

    static String clientEvent(String channel, String event, String data) {
        return "{\"event\":\""
                + event
                + "\",\"channel\":\""
                + channel
                + "\",\"data\":"
                + data
                + "}";
    }

    static String quoted(String s) {
        return Json.MAPPER.valueToTree(s).toString();
    }

    static Frame only(List<Frame> frames) {
        assertThat(frames).hasSize(1);
        return frames.get(0);
    }

    /** The data of a frame, parsed when it is a JSON string. */
    static JsonNode data(Frame frame) {
        try {
            JsonNode data = frame.json().path("data");
            return data.isTextual() ? Json.MAPPER.readTree(data.asText()) : data;
        } catch (Exception e) {
            throw new AssertionError(frame.toString(), e);
        }
    }

    static int code(Frame frame) {
        return frame.json().path("data").path("code").asInt();
    }

    /**
     * Asserts one {@code pusher:error} with that code and a message (plus, for a refused
     * subscription, its {@code pusher:subscription_error}), no close, and that the connection still
     * answers a ping; returns the frames.
     */
    static List<Frame> errorAndStillOpen(Socket socket, int code) {
        List<Frame> frames = socket.frames();
        assertThat(frames).as("%s", frames).isNotEmpty().noneMatch(f -> f.opcode() == Frame.CLOSE);
        Frame error = frames.get(0);
        assertThat(error.event()).isEqualTo("pusher:error");
        assertThat(error.json().path("data").path("code").isNumber()).isTrue();
        assertThat(code(error)).as("%s", error).isEqualTo(code);
        assertThat(error.json().path("data").path("message").asText())
                .as("a message says why")
                .isNotBlank();
        socket.ping();
        return frames;
    }

    /** Asserts {@code pusher:error} with that code, then a close frame with it. */
    static Frame errorThenClose(List<Frame> frames, int code) {
        assertThat(frames).as("%s", frames).hasSize(2);
        assertThat(frames.get(0).event()).isEqualTo("pusher:error");
        assertThat(code(frames.get(0))).isEqualTo(code);
        assertThat(frames.get(1).opcode()).isEqualTo(Frame.CLOSE);
        assertThat(frames.get(1).closeCode()).isEqualTo(code);
        return frames.get(0);
    }

    static void publish(
            SessionHarness harness, App app, String channel, String event, String data) {
        EncodedEvent encoded = new EncodedEvent(Frames.event(event, channel, data));
        try {
            harness.context.broker().publish(app.id(), channel, encoded, null);
        } finally {
            encoded.release();
        }
    }

    /** The user ids of a presence channel, as the HTTP API would list them. */
    static List<String> users(SessionHarness harness, App app, String channel) {
        List<String> ids = new ArrayList<>();
        harness.context
                .view()
                .members(app.id(), channel)
                .toCompletableFuture()
                .join()
                .forEach(m -> ids.add(m.userId()));
        return ids;
    }

    /** The default limits with those a test names changed, as an apps file would set them. */
    static final class Limits {
        private final AppLimits d = AppLimits.defaults();
        private int maxConnections = d.maxConnections();
        private int maxEventBytes = d.maxEventBytes();
        private int maxChannels = d.maxChannelsPerConnection();
        private int maxPresenceMembers = d.maxPresenceMembers();
        private int maxUserInfoBytes = d.maxPresenceUserInfoBytes();
        private int clientEventsPerSecond = d.clientEventsPerSecond();
        private int maxChannelNameLength = d.maxChannelNameLength();
        private int maxWatchlistSize = d.maxWatchlistSize();
        private Duration cacheTtl = d.cacheTtl();

        Limits maxConnections(int n) {
            maxConnections = n;
            return this;
        }

        Limits maxEventBytes(int n) {
            maxEventBytes = n;
            return this;
        }

        Limits maxChannels(int n) {
            maxChannels = n;
            return this;
        }

        Limits maxPresenceMembers(int n) {
            maxPresenceMembers = n;
            return this;
        }

        Limits maxUserInfoBytes(int n) {
            maxUserInfoBytes = n;
            return this;
        }

        Limits clientEventsPerSecond(int n) {
            clientEventsPerSecond = n;
            return this;
        }

        Limits maxChannelNameLength(int n) {
            maxChannelNameLength = n;
            return this;
        }

        Limits maxWatchlistSize(int n) {
            maxWatchlistSize = n;
            return this;
        }

        Limits cacheTtl(Duration ttl) {
            cacheTtl = ttl;
            return this;
        }

        AppLimits build() {
            return new AppLimits(
                    maxConnections,
                    maxEventBytes,
                    maxChannels,
                    maxPresenceMembers,
                    maxUserInfoBytes,
                    clientEventsPerSecond,
                    maxChannelNameLength,
                    maxWatchlistSize,
                    cacheTtl,
                    d.apiRequestsPerSecond());
        }
    }
}
