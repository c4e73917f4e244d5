package dev.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.auth.ChannelAuthenticator;
import dev.herald.auth.HmacSigner;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WebSocket session fed what a hostile client may send: the server's own pipeline after a real
 * upgrade (Netty's frame decoder, the activity handler, {@code ConnectionHandler}) over the real
 * hub, broker, cluster view and cache.
 *
 * <p>Invariants for every input: nothing escapes the pipeline and nothing is logged as an
 * unexpected error; no buffer leaks; the answers to each message are at most {@value
 * #ANSWER_OVERHEAD} bytes larger than the message ("answers never amplify"); once the client is
 * gone the node holds no connection, channel or admission slot for it.
 */
class SessionFuzzTest {

    /**
     * What the answers to one message may add to its size. Answers quote client input only up to
     * 200 characters, so any answer fits in this; on a node without that cap, a message whose
     * quoted part is long (or full of characters JSON escapes) fails here, on purpose.
     */
    static final int ANSWER_OVERHEAD = 4096;

    /** Largest payload a frame record may expand to: past the node's 256 KB message limit. */
    private static final int MAX_PAYLOAD = 2 * 1024 * 1024;

    private static final Pattern SOCKET_ID =
            Pattern.compile("socket_id\\\\\"\\s*:\\s*\\\\\"([0-9]+\\.[0-9]+)");

    /**
     * Raw client bytes after the handshake, as records:
     *
     * <ul>
     *   <li>{@code 0x00-0x7f}: that many raw bytes, written as they are;
     *   <li>{@code 0x80 | pieces}: a frame: first header byte, flags ({@code 1} unmasked, {@code 2}
     *       a 64-bit length field follows and is sent instead of the real one, {@code 4} a 24-bit
     *       repeat count follows), a 16-bit payload length, the payload (repeated), written in
     *       {@code pieces + 1} parts.
     * </ul>
     */
    @FuzzTest(maxDuration = "25s")
    void frames(byte[] data) {
        try (Session session = new Session()) {
            Input in = new Input(data);
            while (in.hasMore() && session.open()) {
                int record = in.u8();
                if (record < 0x80) {
                    session.send(in.take(record), 1);
                    continue;
                }
                int first = in.u8();
                int flags = in.u8();
                long claimed = (flags & 2) != 0 ? in.u64() : -1;
                int repeat = (flags & 4) != 0 ? in.u24() : 1;
                byte[] payload = repeated(in.take(in.u16()), repeat);
                session.send(
                        WebSocketFrames.frame(first, payload, (flags & 1) == 0, claimed),
                        (record & 0x0f) + 1);
            }
        }
    }

    /**
     * Pusher messages, one per line, each sent as a whole text frame and also handed to {@link
     * ClientMessage#parse} directly. A line starting with {@code !} is signed first: a subscribe
     * gets the {@code auth} its channel and {@code channel_data} need, a sign-in the one its {@code
     * user_data} needs, so that the fuzzer reaches what lies behind the signature check.
     * {@code @*N@} repeats the byte before it (see {@link Input#expandRepeats}).
     */
    @FuzzTest(maxDuration = "25s")
    void messages(byte[] data) {
        try (Session session = new Session()) {
            int start = 0;
            while (start <= data.length && session.open()) {
                int end = start;
                while (end < data.length && data[end] != '\n') {
                    end++;
                }
                byte[] line = Input.expandRepeats(Arrays.copyOfRange(data, start, end));
                start = end + 1;
                boolean sign = line.length > 0 && line[0] == '!';
                if (sign) {
                    line = session.signed(Arrays.copyOfRange(line, 1, line.length));
                }
                parseDirectly(new String(line, StandardCharsets.UTF_8));
                session.send(WebSocketFrames.text(line), 1);
            }
        }
    }

    /** {@link ClientMessage#parse} answers a message or says why not, briefly; nothing else. */
    private static void parseDirectly(String text) {
        try {
            ClientMessage message = ClientMessage.parse(text);
            assertThat(message.event()).isNotEmpty();
        } catch (ClientMessage.Malformed e) {
            assertThat(e.getMessage()).isNotEmpty();
            assertThat(e.getMessage().length())
                    .as("length of a refusal quoting client input")
                    .isLessThanOrEqualTo(ANSWER_OVERHEAD / 4);
        }
    }

    private static byte[] repeated(byte[] payload, int times) {
        if (times <= 1 || payload.length == 0) {
            return payload;
        }
        int n = Math.min(times, MAX_PAYLOAD / payload.length);
        byte[] out = new byte[payload.length * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(payload, 0, out, i * payload.length, payload.length);
        }
        return out;
    }

    /** One upgraded connection to an {@link InProcessNode}, with the amplification bookkeeping. */
    private static final class Session implements AutoCloseable {
        private final InProcessNode node;
        private final String socketId;
        private final ChannelAuthenticator authenticator =
                new ChannelAuthenticator(
                        InProcessNode.APP.key(), new HmacSigner(InProcessNode.APP.secret()));

        /** Bytes sent since the server last answered: the answer may be about any of them. */
        private long unanswered;

        private long totalIn;
        private long totalOut;
        private int sends;

        Session() {
            Alarms.begin();
            node = new InProcessNode();
            node.write(InProcessNode.UPGRADE.getBytes(StandardCharsets.US_ASCII));
            node.drain();
            Matcher m = SOCKET_ID.matcher(node.lastOutbound());
            assertThat(m.find()).as("connection established: %s", node.lastOutbound()).isTrue();
            socketId = m.group(1);
        }

        boolean open() {
            return node.channel.isOpen();
        }

        /** Writes the bytes in {@code pieces} parts, then checks what came back for them. */
        void send(byte[] bytes, int pieces) {
            int n = Math.max(1, Math.min(pieces, bytes.length));
            for (int i = 0; i < n && open(); i++) {
                node.write(
                        Arrays.copyOfRange(
                                bytes, bytes.length * i / n, bytes.length * (i + 1) / n));
            }
            sends++;
            unanswered += bytes.length;
            totalIn += bytes.length;
            long out = node.drain();
            totalOut += out;
            assertThat(out)
                    .as(
                            "AMPLIFICATION (issue #13, answers never amplify): %d bytes answered %d bytes"
                                    + " sent; the answer starts %s",
                            out, unanswered, preview(node.lastOutbound()))
                    .isLessThanOrEqualTo(ANSWER_OVERHEAD + unanswered);
            if (out > 0) {
                unanswered = 0;
            }
        }

        /**
         * The message with the {@code auth} a real auth endpoint would have added, if it can say.
         */
        byte[] signed(byte[] line) {
            try {
                JsonNode root = Json.MAPPER.readTree(line);
                JsonNode data = root == null ? null : root.get("data");
                if (data == null || !data.isObject()) {
                    return line;
                }
                ObjectNode d = (ObjectNode) data;
                String event = root.path("event").asText();
                String toSign = null;
                if (event.equals("pusher:subscribe")) {
                    JsonNode channelData = d.get("channel_data");
                    String cd =
                            channelData == null || channelData.isNull()
                                    ? null
                                    : channelData.isTextual()
                                            ? channelData.asText()
                                            : channelData.toString();
                    toSign =
                            ChannelAuthenticator.channelStringToSign(
                                    socketId, d.path("channel").asText(), cd);
                } else if (event.equals("pusher:signin")) {
                    toSign =
                            ChannelAuthenticator.userStringToSign(
                                    socketId, d.path("user_data").asText());
                }
                if (toSign != null) {
                    d.put("auth", authenticator.sign(toSign));
                }
                return Json.MAPPER.writeValueAsBytes(root);
            } catch (IOException e) {
                return line; // not JSON (or too deep to read): sent unsigned, as it is
            }
        }

        @Override
        public void close() {
            try {
                if (open()) {
                    node.advance(1_000); // subscription counts and other timers
                    long out = node.drain();
                    totalOut += out;
                    assertThat(totalOut)
                            .as("AMPLIFICATION over the whole session")
                            .isLessThanOrEqualTo((long) ANSWER_OVERHEAD * (sends + 1) + totalIn);
                }
            } finally {
                node.close();
            }
            Alarms.check();
        }

        private static String preview(String text) {
            return text.length() <= 300 ? text : text.substring(0, 300) + "...";
        }
    }

    static {
        // load the alarms (leak detection level, log watchers) before the first buffer exists
        Alarms.check();
    }
}
