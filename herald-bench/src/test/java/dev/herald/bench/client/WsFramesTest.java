package dev.herald.bench.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WsFramesTest {
    /** Decodes a client frame the way a server does; returns the unmasked payload. */
    private static byte[] unmask(ByteBuf f, int expectedOpcode) {
        int b0 = f.readUnsignedByte();
        assertThat(b0 & 0x80).as("FIN").isNotZero();
        assertThat(b0 & 0x0f).isEqualTo(expectedOpcode);
        int b1 = f.readUnsignedByte();
        assertThat(b1 & 0x80).as("masked").isNotZero();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = f.readUnsignedShort();
        } else if (len == 127) {
            len = f.readLong();
        }
        byte[] key = new byte[4];
        f.readBytes(key);
        byte[] out = new byte[(int) len];
        f.readBytes(out);
        for (int i = 0; i < out.length; i++) {
            out[i] ^= key[i & 3];
        }
        assertThat(f.isReadable()).isFalse();
        return out;
    }

    @Test
    void masksTextFramesOfEveryLengthClass() {
        for (int n : new int[] {0, 1, 3, 125, 126, 127, 65535, 65536, 70001}) {
            byte[] payload = new byte[n];
            for (int i = 0; i < n; i++) {
                payload[i] = (byte) ('a' + i % 26);
            }
            ByteBuf f = WsFrames.text(ByteBufAllocator.DEFAULT, payload, 0, n);
            try {
                assertThat(unmask(f, WsFrames.OP_TEXT)).as("length %d", n).isEqualTo(payload);
            } finally {
                f.release();
            }
        }
    }

    @Test
    void textFromStringAndOffsets() {
        ByteBuf f = WsFrames.text(ByteBufAllocator.DEFAULT, "{\"event\":\"pusher:ping\"}");
        assertThat(new String(unmask(f, WsFrames.OP_TEXT), StandardCharsets.UTF_8))
                .isEqualTo("{\"event\":\"pusher:ping\"}");
        f.release();
        byte[] big = "xxHELLOyy".getBytes(StandardCharsets.US_ASCII);
        ByteBuf g = WsFrames.text(ByteBufAllocator.DEFAULT, big, 2, 5);
        assertThat(unmask(g, WsFrames.OP_TEXT))
                .isEqualTo("HELLO".getBytes(StandardCharsets.US_ASCII));
        g.release();
    }

    @Test
    void closeAndPongFrames() {
        ByteBuf c = WsFrames.close(ByteBufAllocator.DEFAULT, 1000);
        assertThat(unmask(c, WsFrames.OP_CLOSE)).isEqualTo(new byte[] {0x03, (byte) 0xE8});
        c.release();
        ByteBuf ping = Unpooled.wrappedBuffer("..ping!".getBytes(StandardCharsets.US_ASCII));
        ByteBuf pong = WsFrames.control(ByteBufAllocator.DEFAULT, WsFrames.OP_PONG, ping, 2, 5);
        assertThat(unmask(pong, WsFrames.OP_PONG))
                .isEqualTo(Arrays.copyOfRange("..ping!".getBytes(StandardCharsets.US_ASCII), 2, 7));
        pong.release();
    }

    @Test
    void acceptKeyFollowsRfc6455Example() {
        assertThat(WsConnection.expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="))
                .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void findsEventNamesWithoutParsingJson() {
        byte[] key = Bytes.ascii("\"event\"");
        ByteBuf b =
                Unpooled.wrappedBuffer(
                        Bytes.ascii(
                                "{\"channel\":\"x\", \"event\" : \"pusher:error\",\"data\":{}}"));
        int at = Bytes.eventNameStart(b, 0, b.readableBytes(), key);
        assertThat(Bytes.matches(b, at, b.readableBytes(), Bytes.ascii("pusher:error\""))).isTrue();
        assertThat(Bytes.matches(b, at, b.readableBytes(), Bytes.ascii("pusher:error_x\"")))
                .isFalse();
        ByteBuf none = Unpooled.wrappedBuffer(Bytes.ascii("{\"data\":\"event\"}"));
        assertThat(Bytes.eventNameStart(none, 0, none.readableBytes(), key)).isEqualTo(-1);
    }

    @Test
    void parsesLoopbackSourceRanges() {
        assertThat(Fleet.parseLocals("127.0.0.1-127.0.0.4")).hasSize(4);
        assertThat(Fleet.parseLocals("127.0.0.1,127.0.0.9")).hasSize(2);
        assertThat(Fleet.parseLocals(null)).isNull();
        assertThatThrownBy(() -> Fleet.parseLocals("10.1.1.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
