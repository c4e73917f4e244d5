package dev.herald.apps;

/**
 * The one rule for app ids, checked wherever an {@link App} is made: 1 to {@value #MAX_LENGTH}
 * characters of {@code A-Z a-z 0-9 . _ -}.
 *
 * <p>Why this set: every id Herald has shipped or documented ({@code app-id}, {@code ci-dashboard},
 * numeric Pusher-style ids) fits, and an id can then never contain the separators Herald puts
 * between an app id and a channel name or user id ({@code |}, {@code :}, newline) in Redis keys,
 * Redis channels and node commands, so those compound names split back the one way they were
 * joined. The length matches the {@code herald_apps.id} column.
 */
public final class AppIds {

    public static final int MAX_LENGTH = 255;

    /** The rule in words, for error messages and help texts. */
    public static final String RULE = "1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ -";

    private AppIds() {}

    public static boolean isValid(String id) {
        return problem(id) == null;
    }

    /** {@code null} if the id is valid, else why not (quoting the id only while it is short). */
    public static String problem(String id) {
        if (id == null || id.isEmpty()) {
            return "app id is empty; it must be " + RULE;
        }
        if (id.length() > MAX_LENGTH) {
            return "app id is " + id.length() + " characters long; it must be " + RULE;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean allowed =
                    c >= 'a' && c <= 'z'
                            || c >= 'A' && c <= 'Z'
                            || c >= '0' && c <= '9'
                            || c == '.'
                            || c == '_'
                            || c == '-';
            if (!allowed) {
                return "app id '" + id + "' contains '" + c + "'; it must be " + RULE;
            }
        }
        return null;
    }
}
