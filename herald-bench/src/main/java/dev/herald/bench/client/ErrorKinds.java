package dev.herald.bench.client;

import java.util.regex.Pattern;

/**
 * Folds error messages into kinds for counting: socket ids, timestamps, digests and signatures
 * differ in every occurrence of the same error.
 */
public final class ErrorKinds {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{16,}");
    private static final Pattern NUMBER = Pattern.compile("\\d{5,}(\\.\\d+)?");
    private static final int MAX = 200;

    private ErrorKinds() {}

    public static String normalize(String message) {
        String m = HEX.matcher(message).replaceAll("<hex>");
        m = NUMBER.matcher(m).replaceAll("<n>");
        return m.length() > MAX ? m.substring(0, MAX) + "…" : m;
    }
}
