package dev.herald.bench.payload;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The bench payload: the event's {@code data} string, which every compatible server relays verbatim
 * (docs/protocol.md §2.3). It is plain ASCII, so it needs no JSON escaping and survives any relay:
 *
 * <pre>~hb~TTTTTTTTTTTTTTTTTTTSSSSSSSSSSSSxxxx…</pre>
 *
 * where T is the 19-digit send time ({@link dev.herald.bench.stats.Clock#now()} epoch nanos), S a
 * 12-digit sequence number, and x padding up to the requested size. Receivers find the marker by
 * scanning bytes ({@link #findTimestamp}); they never parse the JSON around it.
 */
public final class Payload {
    public static final byte[] MARKER = {'~', 'h', 'b', '~'};
    public static final int TS_DIGITS = 19;
    public static final int SEQ_DIGITS = 12;

    /** Smallest payload that holds marker, timestamp and sequence. */
    public static final int MIN_SIZE = MARKER.length + TS_DIGITS + SEQ_DIGITS;

    private Payload() {}

    /**
     * Writes a payload of exactly {@code max(size, MIN_SIZE)} bytes into {@code out} at {@code
     * off}.
     */
    public static int write(byte[] out, int off, int size, long timestamp, long seq) {
        int p = off;
        for (byte b : MARKER) {
            out[p++] = b;
        }
        p = writeDigits(out, p, timestamp, TS_DIGITS);
        p = writeDigits(out, p, seq, SEQ_DIGITS);
        int end = off + Math.max(size, MIN_SIZE);
        while (p < end) {
            out[p++] = 'x';
        }
        return p - off;
    }

    public static String toString(int size, long timestamp, long seq) {
        byte[] b = new byte[Math.max(size, MIN_SIZE)];
        write(b, 0, size, timestamp, seq);
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static int writeDigits(byte[] out, int p, long value, int digits) {
        long v = value;
        for (int i = digits - 1; i >= 0; i--) {
            out[p + i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        return p + digits;
    }

    /**
     * The timestamp embedded in {@code buf[from, from+len)}, or -1 if there is no well-formed
     * marker. Reads bytes in place: no allocation, no JSON parse.
     */
    public static long findTimestamp(ByteBuf buf, int from, int len) {
        int limit = from + len - MIN_SIZE + 1;
        int i = from;
        while (true) {
            if (i >= limit) {
                return -1;
            }
            int m = buf.indexOf(i, limit, MARKER[0]);
            if (m < 0) {
                return -1;
            }
            if (buf.getByte(m + 1) == MARKER[1]
                    && buf.getByte(m + 2) == MARKER[2]
                    && buf.getByte(m + 3) == MARKER[3]) {
                long ts = parseDigits(buf, m + MARKER.length, TS_DIGITS);
                if (ts >= 0) {
                    return ts;
                }
            }
            i = m + 1;
        }
    }

    /** The sequence number after the timestamp, or -1. */
    public static long findSequence(ByteBuf buf, int from, int len) {
        int limit = from + len - MIN_SIZE + 1;
        int i = from;
        while (true) {
            if (i >= limit) {
                return -1;
            }
            int m = buf.indexOf(i, limit, MARKER[0]);
            if (m < 0) {
                return -1;
            }
            if (buf.getByte(m + 1) == MARKER[1]
                    && buf.getByte(m + 2) == MARKER[2]
                    && buf.getByte(m + 3) == MARKER[3]) {
                return parseDigits(buf, m + MARKER.length + TS_DIGITS, SEQ_DIGITS);
            }
            i = m + 1;
        }
    }

    private static long parseDigits(ByteBuf buf, int at, int digits) {
        long v = 0;
        for (int k = 0; k < digits; k++) {
            int d = buf.getByte(at + k) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
