package dev.herald.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Client-to-server WebSocket frames (RFC 6455 §5.2), always masked as a client must. Each frame is
 * one buffer from the allocator: header, mask key and masked payload.
 */
public final class WsFrames {
    public static final int OP_CONTINUATION = 0x0;
    public static final int OP_TEXT = 0x1;
    public static final int OP_BINARY = 0x2;
    public static final int OP_CLOSE = 0x8;
    public static final int OP_PING = 0x9;
    public static final int OP_PONG = 0xA;

    private WsFrames() {}

    public static ByteBuf text(ByteBufAllocator alloc, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return frame(alloc, OP_TEXT, b, 0, b.length);
    }

    public static ByteBuf text(ByteBufAllocator alloc, byte[] payload, int off, int len) {
        return frame(alloc, OP_TEXT, payload, off, len);
    }

    public static ByteBuf close(ByteBufAllocator alloc, int code) {
        byte[] b = {(byte) (code >> 8), (byte) code};
        return frame(alloc, OP_CLOSE, b, 0, 2);
    }

    /** A control frame echoing {@code payload[from, from+len)} (a pong for a ping). */
    public static ByteBuf control(
            ByteBufAllocator alloc, int opcode, ByteBuf payload, int from, int len) {
        int n = Math.min(len, 125);
        ByteBuf out = alloc.buffer(6 + n);
        int mask = ThreadLocalRandom.current().nextInt();
        out.writeByte(0x80 | opcode);
        out.writeByte(0x80 | n);
        out.writeInt(mask);
        for (int i = 0; i < n; i++) {
            out.writeByte(payload.getByte(from + i) ^ (mask >>> (24 - 8 * (i & 3))));
        }
        return out;
    }

    public static ByteBuf frame(
            ByteBufAllocator alloc, int opcode, byte[] payload, int off, int len) {
        int header = len < 126 ? 2 : (len <= 0xFFFF ? 4 : 10);
        ByteBuf out = alloc.buffer(header + 4 + len);
        out.writeByte(0x80 | opcode);
        if (len < 126) {
            out.writeByte(0x80 | len);
        } else if (len <= 0xFFFF) {
            out.writeByte(0x80 | 126);
            out.writeShort(len);
        } else {
            out.writeByte(0x80 | 127);
            out.writeLong(len);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        out.writeInt(mask);
        int i = 0;
        // Four bytes at a time: the mask key is big-endian, like writeInt.
        for (; i + 4 <= len; i += 4) {
            int word =
                    ((payload[off + i] & 0xff) << 24)
                            | ((payload[off + i + 1] & 0xff) << 16)
                            | ((payload[off + i + 2] & 0xff) << 8)
                            | (payload[off + i + 3] & 0xff);
            out.writeInt(word ^ mask);
        }
        for (; i < len; i++) {
            out.writeByte(payload[off + i] ^ (mask >>> (24 - 8 * (i & 3))));
        }
        return out;
    }
}
