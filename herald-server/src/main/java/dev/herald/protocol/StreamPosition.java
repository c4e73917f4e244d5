package dev.herald.protocol;

import java.util.regex.Pattern;

/**
 * Where a recorded event sits in its channel's history (docs/recovery.md "Positions"): the
 * history's generation ({@code epoch}) and the event's number in it ({@code serial}, 1 for the
 * first, 0 before any). Serials are compared only within one epoch.
 */
public record StreamPosition(String epoch, long serial) {

    /** The longest position text accepted from a client or a request. */
    public static final int MAX_TEXT_LENGTH = 40;

    private static final Pattern EPOCH = Pattern.compile("[A-Za-z0-9]{1,16}");

    public StreamPosition {
        if (epoch == null || !EPOCH.matcher(epoch).matches()) {
            throw new IllegalArgumentException("epoch must be 1 to 16 letters and digits");
        }
        if (serial < 0) {
            throw new IllegalArgumentException("serial must be >= 0");
        }
    }

    /** {@code EPOCH:SERIAL}, or {@code null} if the text is not one. */
    public static StreamPosition parse(String text) {
        if (text == null || text.length() > MAX_TEXT_LENGTH) {
            return null;
        }
        int colon = text.indexOf(':');
        if (colon < 1 || colon == text.length() - 1) {
            return null;
        }
        String epoch = text.substring(0, colon);
        if (!EPOCH.matcher(epoch).matches()) {
            return null;
        }
        long serial = 0;
        for (int i = colon + 1; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < '0' || ch > '9' || serial > (Long.MAX_VALUE - 9) / 10) {
                return null;
            }
            serial = serial * 10 + (ch - '0');
        }
        return new StreamPosition(epoch, serial);
    }

    /** The position after this one. */
    public StreamPosition next() {
        return new StreamPosition(epoch, serial + 1);
    }

    @Override
    public String toString() {
        return epoch + ":" + serial;
    }
}
