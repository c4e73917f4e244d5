package dev.herald.bench.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Byte-level search in a buffer region, used instead of parsing JSON. */
final class Bytes {
    private Bytes() {}

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** First index of {@code needle} in {@code buf[from, to)}, or -1. */
    static int indexOf(ByteBuf buf, int from, int to, byte[] needle) {
        int last = to - needle.length;
        int i = from;
        while (i <= last) {
            int m = buf.indexOf(i, last + 1, needle[0]);
            if (m < 0) {
                return -1;
            }
            if (matches(buf, m, to, needle)) {
                return m;
            }
            i = m + 1;
        }
        return -1;
    }

    static boolean matches(ByteBuf buf, int at, int to, byte[] s) {
        if (at + s.length > to) {
            return false;
        }
        for (int k = 0; k < s.length; k++) {
            if (buf.getByte(at + k) != s[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the string value of {@code "event"} starts in a JSON object in {@code buf[from,to)}, or
     * -1. Tolerates whitespace around the colon.
     */
    static int eventNameStart(ByteBuf buf, int from, int to, byte[] eventKey) {
        int e = indexOf(buf, from, to, eventKey);
        if (e < 0) {
            return -1;
        }
        int p = e + eventKey.length;
        while (p < to && isSpace(buf.getByte(p))) {
            p++;
        }
        if (p >= to || buf.getByte(p) != ':') {
            return -1;
        }
        p++;
        while (p < to && isSpace(buf.getByte(p))) {
            p++;
        }
        if (p >= to || buf.getByte(p) != '"') {
            return -1;
        }
        return p + 1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
