package dev.herald.protocol;

/**
 * Channel-name rules (docs/protocol.md §3.1): characters {@code A-Z a-z 0-9 _ - = @ , . ;} and a
 * length limit; {@code #server-to-user-} names are allowed as they are the only names starting with
 * {@code #}.
 */
public final class ChannelNames {

    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c : "_-=@,.;".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    private ChannelNames() {}

    /** Returns {@code null} if the name is valid, else why it is not (for the error message). */
    public static String problem(String name, int maxLength) {
        if (name == null || name.isEmpty()) {
            return "Channel name is missing";
        }
        if (name.length() > maxLength) {
            return "Channel name is longer than " + maxLength + " characters";
        }
        int start =
                name.startsWith(ChannelKind.SERVER_TO_USER.prefix())
                        ? ChannelKind.SERVER_TO_USER.prefix().length()
                        : 0;
        if (start == name.length()) {
            return "Channel name has no user id";
        }
        for (int i = start; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return "Channel name contains '" + c + "'; allowed are A-Z a-z 0-9 _ - = @ , . ;";
            }
        }
        return null;
    }
}
