package dev.herald.bench.stats;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** Histogram conventions shared by every part of the tool: nanosecond values, 3 digits. */
public final class Histograms {
    /** Values above this are clamped: a stuck delivery still counts, as "at least 2 minutes". */
    public static final long MAX_NANOS = 120_000_000_000L;

    public static final int DIGITS = 3;

    private Histograms() {}

    public static Histogram create() {
        return new Histogram(1, MAX_NANOS, DIGITS);
    }

    public static long clamp(long nanos) {
        if (nanos < 1) {
            return 1;
        }
        return Math.min(nanos, MAX_NANOS);
    }

    /** Compressed HdrHistogram encoding, base64: how child processes ship histograms. */
    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("corrupt histogram", e);
        }
    }

    /** Milliseconds, for display and JSON. */
    public static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}
