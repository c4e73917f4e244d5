package dev.herald.bench.payload;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadTest {
    private static final long TS = 1_795_000_000_123_456_789L;

    private static ByteBuf buf(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void payloadHasRequestedSizeAndLayout() {
        String p = Payload.toString(100, TS, 42);
        assertThat(p)
                .hasSize(100)
                .startsWith("~hb~1795000000123456789000000000042")
                .endsWith("xxx");
        assertThat(Payload.toString(10, TS, 1)).hasSize(Payload.MIN_SIZE);
    }

    @Test
    void findsTimestampInsideAServerFrame() {
        String frame =
                "{\"event\":\"bench\",\"channel\":\"bench-0\",\"data\":\""
                        + Payload.toString(100, TS, 7)
                        + "\"}";
        ByteBuf b = buf(frame);
        assertThat(Payload.findTimestamp(b, 0, b.readableBytes())).isEqualTo(TS);
        assertThat(Payload.findSequence(b, 0, b.readableBytes())).isEqualTo(7);
    }

    @Test
    void findsTimestampWithinARegionOfALargerBuffer() {
        String frame = "{\"data\":\"" + Payload.toString(40, TS, 3) + "\"}";
        ByteBuf b = buf("GARBAGE~~~" + frame + "~hb~9999999999999999999000000000001");
        int from = "GARBAGE~~~".length();
        assertThat(Payload.findTimestamp(b, from, frame.length())).isEqualTo(TS);
    }

    @Test
    void skipsFalseMarkersBeforeTheRealOne() {
        String frame =
                "{\"event\":\"~hb\",\"channel\":\"~x~\",\"data\":\"~hb~12\",\"more\":\""
                        + Payload.toString(35, TS, 0)
                        + "\"}";
        ByteBuf b = buf(frame);
        assertThat(Payload.findTimestamp(b, 0, b.readableBytes())).isEqualTo(TS);
    }

    @Test
    void reportsMissingOrTruncatedMarkers() {
        ByteBuf none =
                buf(
                        "{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":\"a\",\"data\":\"{}\"}");
        assertThat(Payload.findTimestamp(none, 0, none.readableBytes())).isEqualTo(-1);
        ByteBuf truncated = buf("~hb~17950000001234");
        assertThat(Payload.findTimestamp(truncated, 0, truncated.readableBytes())).isEqualTo(-1);
        ByteBuf empty = buf("");
        assertThat(Payload.findTimestamp(empty, 0, 0)).isEqualTo(-1);
        ByteBuf letters = buf("~hb~17950000001234567x9000000000001");
        assertThat(Payload.findTimestamp(letters, 0, letters.readableBytes())).isEqualTo(-1);
    }
}
