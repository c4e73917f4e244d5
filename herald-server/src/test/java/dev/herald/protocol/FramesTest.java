package dev.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {

    /** Reads an unmasked text frame back: checks the header and returns the JSON payload. */
    static String payload(ByteBuf frame) {
        try {
            assertThat(frame.getUnsignedByte(frame.readerIndex())).isEqualTo((short) 0x81);
            int len = frame.getUnsignedByte(frame.readerIndex() + 1);
            int offset = 2;
            if (len == 126) {
                len = frame.getUnsignedShort(frame.readerIndex() + 2);
                offset = 4;
            } else if (len == 127) {
                len = (int) frame.getLong(frame.readerIndex() + 2);
                offset = 10;
            }
            assertThat(frame.readableBytes()).isEqualTo(offset + len);
            return frame.toString(frame.readerIndex() + offset, len, StandardCharsets.UTF_8);
        } finally {
            frame.release();
        }
    }

    @Test
    void connectionEstablishedCarriesDataAsJsonString() throws Exception {
        JsonNode msg = Json.MAPPER.readTree(payload(Frames.connectionEstablished("12.34", 120)));
        assertThat(msg.get("event").asText()).isEqualTo("pusher:connection_established");
        JsonNode data = Json.MAPPER.readTree(msg.get("data").asText());
        assertThat(data.get("socket_id").asText()).isEqualTo("12.34");
        assertThat(data.get("activity_timeout").asInt()).isEqualTo(120);
    }

    @Test
    void errorDataIsAnObjectWithNumericCode() throws Exception {
        JsonNode msg =
                Json.MAPPER.readTree(
                        payload(Frames.error(PusherError.APP_NOT_FOUND, "no \"app\"")));
        assertThat(msg.get("data").get("code").isNumber()).isTrue();
        assertThat(msg.get("data").get("code").asInt()).isEqualTo(4001);
        assertThat(msg.get("data").get("message").asText()).isEqualTo("no \"app\"");
    }

    @Test
    void encodesEveryHeaderLength() {
        for (int size : new int[] {10, 125, 126, 5_000, 65_535, 70_000}) {
            String data = "x".repeat(size);
            String json = payload(Frames.event("e", "c", data));
            assertThat(json)
                    .isEqualTo("{\"event\":\"e\",\"channel\":\"c\",\"data\":\"" + data + "\"}");
        }
    }

    @Test
    void presenceSucceededHasIdsHashAndCount() throws Exception {
        JsonNode msg =
                Json.MAPPER.readTree(
                        payload(
                                Frames.presenceSubscriptionSucceeded(
                                        "presence-r",
                                        List.of(
                                                new Member("1", "{\"name\":\"A\"}"),
                                                new Member("2", null)))));
        JsonNode presence = Json.MAPPER.readTree(msg.get("data").asText()).get("presence");
        assertThat(presence.get("ids").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(presence.get("hash").toString())
                .isEqualTo("{\"1\":{\"name\":\"A\"},\"2\":null}");
        assertThat(presence.get("count").asInt()).isEqualTo(2);
    }

    @Test
    void clientEventKeepsDataVerbatimAndAddsUserId() {
        assertThat(payload(Frames.clientEvent("client-x", "presence-r", "{\"a\":1}", "3")))
                .isEqualTo(
                        "{\"event\":\"client-x\",\"channel\":\"presence-r\",\"data\":{\"a\":1},\"user_id\":\"3\"}");
        assertThat(payload(Frames.clientEvent("client-x", "private-r", "\"text\"", null)))
                .isEqualTo("{\"event\":\"client-x\",\"channel\":\"private-r\",\"data\":\"text\"}");
    }

    @Test
    void closeFrameCarriesCodeAndReason() {
        ByteBuf close = Frames.close(4001, "gone");
        try {
            assertThat(close.readUnsignedByte()).isEqualTo((short) 0x88);
            assertThat(close.readUnsignedByte()).isEqualTo((short) 6);
            assertThat(close.readUnsignedShort()).isEqualTo(4001);
            assertThat(close.toString(StandardCharsets.UTF_8)).isEqualTo("gone");
        } finally {
            close.release();
        }
    }

    @Test
    void parsesClientMessagesAndRefusesMalformedOnes() throws Exception {
        ClientMessage m =
                ClientMessage.parse(
                        "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"a\\\"}\"}");
        assertThat(m.dataObject().get("channel").asText()).isEqualTo("a");
        for (String bad :
                new String[] {
                    "nope", "[]", "{}", "{\"event\":3}", "{\"event\":\"x\",\"channel\":{}}"
                }) {
            assertThatThrownBy(() -> ClientMessage.parse(bad))
                    .isInstanceOf(ClientMessage.Malformed.class);
        }
    }

    @Test
    void aLongCloseReasonIsCutBeforeAWholeCharacter() {
        // 60 two-byte characters: 120 bytes fit, the 62nd character would end at byte 124
        String reason = "é".repeat(70);
        ByteBuf close = Frames.close(4100, reason);
        try {
            close.skipBytes(4);
            byte[] sent = new byte[close.readableBytes()];
            close.readBytes(sent);
            assertThat(sent.length).isLessThanOrEqualTo(123).isEven();
            assertThat(new String(sent, StandardCharsets.UTF_8))
                    .isEqualTo("é".repeat(sent.length / 2));
            assertThat(ByteBufUtil.isText(Unpooled.wrappedBuffer(sent), StandardCharsets.UTF_8))
                    .isTrue();
        } finally {
            close.release();
        }
    }

    @Test
    void aPongEchoesThePingsData() {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        ByteBuf pong = Frames.wsPong(data);
        try {
            assertThat(ByteBufUtil.getBytes(pong)).containsExactly(0x8A, 3, 1, 2, 3);
            assertThat(data.readableBytes()).as("the ping's data is left as it was").isEqualTo(3);
        } finally {
            pong.release();
        }
    }

    @Test
    void quotesClientInputUpToTwoHundredCharacters() {
        assertThat(ClientInput.quote("short")).isEqualTo("short");
        assertThat(ClientInput.quote("x".repeat(200))).isEqualTo("x".repeat(200));
        String quoted = ClientInput.quote("y".repeat(100_000));
        assertThat(quoted).startsWith("y".repeat(200)).endsWith("... (99800 more characters)");
        // a surrogate pair straddling the cut is left out whole
        String emoji = "a".repeat(199) + "\uD83D\uDE00" + "b".repeat(10);
        assertThat(ClientInput.quote(emoji)).startsWith("a".repeat(199) + "...");
    }

    @Test
    void eventNamesLongerThan200CharactersAreMalformed() throws Exception {
        assertThat(ClientMessage.parse("{\"event\":\"client-" + "e".repeat(193) + "\"}").event())
                .hasSize(200);
        assertThatThrownBy(
                        () ->
                                ClientMessage.parse(
                                        "{\"event\":\"client-" + "e".repeat(100_000) + "\"}"))
                .isInstanceOf(ClientMessage.Malformed.class)
                .hasMessageContaining("longer than 200")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }
}
