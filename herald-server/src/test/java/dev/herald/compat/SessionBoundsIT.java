package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.SignatureUtil;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawFrameSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one WebSocket client can make the server hold or send: answers to its own messages count
 * against the same outbound bound as fan-out, every message spends from a budget, answers never
 * grow with their input, and names, ids and text are bounded and checked. Each test sends more than
 * the bound over a raw socket, then checks that an ordinary client is still served.
 */
class SessionBoundsIT {

    /** The JVM settings bin/herald runs the server with. */
    private static final String BIN_HERALD_JVM = "-XX:+UseSerialGC -Xmn16m";

    /**
     * Resident memory a single flooding client may add to a server with bin/herald's settings: its
     * outbound cap (8 high-water marks at most, 1 MiB each by default) plus what the JVM grows by
     * to serve it.
     */
    private static final long MAX_GROWTH_BYTES = 40L << 20;

    private static HeraldProcess budgeted;

    /** The message budget off, so only the outbound bound stands between a flood and the heap. */
    private static HeraldProcess unbudgeted;

    private static final ExecutorService FLOODERS =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "flooder");
                        t.setDaemon(true);
                        return t;
                    });

    @BeforeAll
    static void start() {
        budgeted = HeraldProcess.start("session-bounds");
        unbudgeted =
                HeraldProcess.start(
                        "session-bounds-unbudgeted",
                        Map.of("HERALD_MAX_MESSAGES_PER_SECOND", "0", "JAVA_OPTS", BIN_HERALD_JVM));
    }

    @AfterAll
    static void stop() {
        FLOODERS.shutdownNow();
        if (budgeted != null) {
            budgeted.close();
        }
        if (unbudgeted != null) {
            unbudgeted.close();
        }
    }

    /** A raw WebSocket client and the socket id the server gave it. */
    private record Raw(RawFrameSocket ws, String socketId) implements AutoCloseable {
        String next() throws IOException {
            return ws.readFrame().text();
        }

        void send(String text) throws IOException {
            ws.sendText(text);
        }

        String auth(String toSign) {
            return HeraldProcess.APP_KEY
                    + ":"
                    + SignatureUtil.sign(toSign, HeraldProcess.APP_SECRET);
        }

        void subscribePrivate(String channel) throws IOException {
            send(
                    Json.write(
                            Map.of(
                                    "event",
                                    "pusher:subscribe",
                                    "data",
                                    Map.of(
                                            "channel",
                                            channel,
                                            "auth",
                                            auth(socketId + ":" + channel)))));
            assertThat(next()).contains("pusher_internal:subscription_succeeded");
        }

        void subscribePresence(String channel, String channelData) throws IOException {
            send(
                    Json.write(
                            Map.of(
                                    "event",
                                    "pusher:subscribe",
                                    "data",
                                    Map.of(
                                            "channel",
                                            channel,
                                            "auth",
                                            auth(socketId + ":" + channel + ":" + channelData),
                                            "channel_data",
                                            channelData))));
        }

        void signin(String userData) throws IOException {
            send(
                    Json.write(
                            Map.of(
                                    "event",
                                    "pusher:signin",
                                    "data",
                                    Map.of(
                                            "user_data",
                                            userData,
                                            "auth",
                                            auth(socketId + "::user::" + userData)))));
        }

        @Override
        public void close() {
            ws.close();
        }
    }

    private static Raw connect(HeraldProcess herald, int receiveBuffer) throws IOException {
        RawFrameSocket ws = RawFrameSocket.connect(herald.ws(), 10_000, receiveBuffer);
        String established = ws.readFrame().text();
        assertThat(established).contains("pusher:connection_established");
        return new Raw(ws, Json.data(Json.parse(established)).path("socket_id").asText());
    }

    /**
     * Sends {@code frame} over and over without reading for up to {@code seconds}, until the server
     * stops taking bytes for good or closes; returns how many were sent.
     */
    private static int flood(Raw raw, int opcode, byte[] frame, int seconds) throws Exception {
        RawFrameSocket ws = raw.ws();
        Future<Integer> sent =
                FLOODERS.submit(
                        () -> {
                            int n = 0;
                            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                            try {
                                while (System.nanoTime() < end) {
                                    ws.send(opcode, frame);
                                    n++;
                                }
                            } catch (IOException e) {
                                // the server closed the connection: the flood is over
                            }
                            return n;
                        });
        try {
            return sent.get(seconds + 5L, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // the write blocks: the server has stopped reading this client, as it should
            ws.close();
            return -1;
        }
    }

    /** Reads until the server's close frame (or the socket's end); returns every frame seen. */
    private static List<RawFrameSocket.Frame> drainToClose(Raw raw) {
        RawFrameSocket ws = raw.ws();
        List<RawFrameSocket.Frame> frames = new ArrayList<>();
        try {
            while (true) {
                RawFrameSocket.Frame f = ws.readFrame();
                frames.add(f);
                if (f.opcode() == RawFrameSocket.CLOSE) {
                    return frames;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError(
                    "the server did not close the connection; saw " + frames.size() + " frames");
        } catch (IOException e) {
            return frames; // reset or end of stream after the close
        }
    }

    /** An ordinary client still connects, subscribes, receives a trigger and leaves. */
    private static void ordinaryClientIsServed(HeraldProcess herald) throws Exception {
        try (Raw ws = connect(herald, 0)) {
            ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"ordinary\"}}");
            assertThat(ws.next()).contains("pusher_internal:subscription_succeeded");
            Results.ok(Sdk.of(herald).trigger("ordinary", "hello", Map.of("n", 1)));
            assertThat(ws.next()).contains("\"hello\"");
        }
    }

    private static void aNonReadingFlooderIsBounded(int opcode, byte[] payload) throws Exception {
        long before = unbudgeted.residentBytes();
        try (Raw ws = connect(unbudgeted, 4096)) {
            flood(ws, opcode, payload, 8);
            long grown = unbudgeted.residentBytes() - before;
            assertThat(grown)
                    .as("resident memory added by one client that never reads")
                    .isLessThan(MAX_GROWTH_BYTES);
        }
        ordinaryClientIsServed(unbudgeted);
    }

    @Test
    void pusherPingsFromAClientThatNeverReadsDoNotGrowTheServer() throws Exception {
        aNonReadingFlooderIsBounded(
                RawFrameSocket.TEXT,
                "{\"event\":\"pusher:ping\",\"data\":{}}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void webSocketPingsFromAClientThatNeverReadsDoNotGrowTheServer() throws Exception {
        aNonReadingFlooderIsBounded(RawFrameSocket.PING, new byte[125]);
    }

    @Test
    void aClientPastItsMessageBudgetIsClosedWith4100() throws Exception {
        try (Raw ws = connect(budgeted, 0)) {
            for (int i = 0; i < 1_000; i++) {
                ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            }
            List<RawFrameSocket.Frame> frames = drainToClose(ws);
            RawFrameSocket.Frame last = frames.get(frames.size() - 1);
            assertThat(last.opcode()).isEqualTo(RawFrameSocket.CLOSE);
            assertThat(last.closeCode()).isEqualTo(4100);
            assertThat(frames)
                    .anySatisfy(
                            f ->
                                    assertThat(f.text())
                                            .contains("4100")
                                            .contains("Too many messages"));
            long pongs = frames.stream().filter(f -> f.text().contains("pusher:pong")).count();
            assertThat(pongs).as("pongs before the budget ran out").isBetween(200L, 400L);
        }
        ordinaryClientIsServed(budgeted);
    }

    @Test
    void theBurstLetsAClientResubscribeAHundredChannelsAtOnce() throws Exception {
        try (Raw ws = connect(budgeted, 0)) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                ws.send(
                        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"burst-"
                                + i
                                + "\"}}");
            }
            ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            int succeeded = 0;
            while (true) {
                String text = ws.next();
                all.append(text).append('\n');
                if (text.contains("subscription_succeeded")) {
                    succeeded++;
                }
                if (text.contains("pusher:pong")) {
                    break;
                }
            }
            assertThat(succeeded).as("%s", all).isEqualTo(100);
        }
    }

    @Test
    void aRefusedPresenceSubscriptionDoesNotEchoItsInput() throws Exception {
        try (Raw ws = connect(budgeted, 0)) {
            String channelData =
                    "{\"user_id\":\"u\",\"user_info\":{\"pad\":\"" + "x".repeat(160_000) + "\"}}";
            String subscribe =
                    Json.write(
                            Map.of(
                                    "event",
                                    "pusher:subscribe",
                                    "data",
                                    Map.of(
                                            "channel",
                                            "presence-room",
                                            "auth",
                                            budgeted.appKey() + ":" + "f".repeat(64),
                                            "channel_data",
                                            channelData)));
            ws.send(subscribe);
            ws.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            int answerBytes = 0;
            List<String> answers = new ArrayList<>();
            while (true) {
                String text = ws.next();
                if (text.contains("pusher:pong")) {
                    break;
                }
                answers.add(text);
                answerBytes += text.length();
            }
            assertThat(answers).hasSize(2);
            assertThat(answers.get(0))
                    .contains("pusher:error")
                    .contains("4009")
                    .contains("more characters");
            assertThat(answers.get(1)).contains("pusher:subscription_error").doesNotContain("xxxx");
            assertThat(answerBytes)
                    .as("bytes answered to a %s-byte message", subscribe.length())
                    .isLessThan(2_048);
        }
    }

    @Test
    void eventNamesLongerThan200CharactersAreRefusedAndNotRelayed() throws Exception {
        try (Raw sender = connect(budgeted, 0);
                Raw receiver = connect(budgeted, 0)) {
            for (Raw ws : List.of(sender, receiver)) {
                ws.subscribePrivate("private-names");
            }
            sender.send(
                    "{\"event\":\"client-"
                            + "n".repeat(200 * 1024)
                            + "\",\"channel\":\"private-names\","
                            + "\"data\":{}}");
            String refusal = sender.next();
            assertThat(refusal)
                    .contains("pusher:error")
                    .contains("4300")
                    .contains("longer than 200");
            assertThat(refusal.length()).isLessThan(1_024);

            sender.send(
                    "{\"event\":\"client-"
                            + "n".repeat(193)
                            + "\",\"channel\":\"private-names\",\"data\":{}}");
            String relayed = receiver.next();
            assertThat(relayed)
                    .as("the first event the receiver sees is the 200-character one")
                    .contains("client-" + "n".repeat(193));
        }
    }

    @Test
    void idsLongerThanTheLimitAreRefused() throws Exception {
        String longId = "i".repeat(100_000);
        try (Raw ws = connect(budgeted, 0)) {
            String channelData = "{\"user_id\":\"" + longId + "\"}";
            ws.subscribePresence("presence-ids", channelData);
            String refusal = ws.next();
            assertThat(refusal)
                    .contains("pusher:error")
                    .contains("4307")
                    .contains("longer than 200");
            assertThat(refusal.length()).isLessThan(1_024);
        }
        for (String userData :
                List.of(
                        "{\"id\":\"" + longId + "\"}",
                        "{\"id\":\"ok\",\"watchlist\":[\"" + longId + "\"]}")) {
            try (Raw ws = connect(budgeted, 0)) {
                ws.signin(userData);
                List<RawFrameSocket.Frame> frames = drainToClose(ws);
                assertThat(frames.get(0).text()).contains("4009").contains("longer than 200");
                assertThat(frames.get(frames.size() - 1).closeCode()).isEqualTo(4009);
            }
        }
        assertThat(
                        ServerSdk.terminateUserConnections(Sdk.of(budgeted), "u".repeat(201))
                                .getHttpStatus())
                .as("terminating a user whose id is too long to sign in")
                .isEqualTo(400);
        assertThat(
                        ServerSdk.terminateUserConnections(Sdk.of(budgeted), "u".repeat(200))
                                .getHttpStatus())
                .isEqualTo(200);
        ordinaryClientIsServed(budgeted);
    }

    @Test
    void textThatIsNotUtf8IsClosedWith1007() throws Exception {
        byte[] invalid = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        try (Raw ws = connect(budgeted, 0)) {
            ws.ws().send(RawFrameSocket.TEXT, invalid);
            List<RawFrameSocket.Frame> frames = drainToClose(ws);
            assertThat(frames.get(frames.size() - 1).closeCode()).isEqualTo(1007);
        }
        ordinaryClientIsServed(budgeted);
    }
}
