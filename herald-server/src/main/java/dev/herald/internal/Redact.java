package dev.herald.internal;

import java.util.regex.Pattern;

/**
 * Masks the password in a URL (JDBC, Redis, webhook) before it goes into a log line, an error
 * message or {@code --help}: the {@code user:password@} part and {@code password=} parameters.
 */
public final class Redact {

    public static final String MASK = "****";

    private static final Pattern PASSWORD_PARAMETER =
            Pattern.compile("(?i)\\b(password|passwd|pwd)=([^&;]*)");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@;?]*):([^@/]*)@");

    private Redact() {}

    /**
     * {@code url} with any password replaced by {@value #MASK}; {@code null} stays {@code null}.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String out = PASSWORD_PARAMETER.matcher(url).replaceAll("$1=" + MASK);
        return USER_INFO.matcher(out).replaceAll("$1:" + MASK + "@");
    }
}
