package dev.herald.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a fuzz input front to back as small fields, so that seeds are easy to write by hand and a
 * mutated input still means something: past the end every field reads as zero.
 */
final class Input {

    /** Largest text {@link #expandRepeats} makes: well past every input limit of the server. */
    static final int MAX_EXPANDED = 2 * 1024 * 1024;

    private static final Pattern REPEAT = Pattern.compile("@\\*([0-9]{1,7})@");

    private final byte[] bytes;
    private int pos;

    Input(byte[] bytes) {
        this.bytes = bytes;
    }

    boolean hasMore() {
        return pos < bytes.length;
    }

    int remaining() {
        return bytes.length - pos;
    }

    int u8() {
        return pos < bytes.length ? bytes[pos++] & 0xFF : 0;
    }

    int u16() {
        return u8() << 8 | u8();
    }

    int u24() {
        return u8() << 16 | u16();
    }

    long u64() {
        return (long) u16() << 48 | (long) u24() << 24 | u24();
    }

    /** Up to {@code n} bytes, fewer at the end of the input. */
    byte[] take(int n) {
        int end = pos + Math.min(n, remaining());
        byte[] out = Arrays.copyOfRange(bytes, pos, end);
        pos = end;
        return out;
    }

    /**
     * Replaces each {@code @*N@} with N more copies of the byte before it, so that a small seed (or
     * a small mutation) stands for a 1 MB string or JSON nested 100,000 deep.
     */
    static byte[] expandRepeats(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        Matcher m = REPEAT.matcher(text);
        if (!m.find()) {
            return input;
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        do {
            out.append(text, from, m.start());
            int times = Integer.parseInt(m.group(1));
            if (out.length() > 0 && out.length() + times <= MAX_EXPANDED) {
                out.append(String.valueOf(out.charAt(out.length() - 1)).repeat(times));
            }
            from = m.end();
        } while (m.find());
        out.append(text, from, text.length());
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
