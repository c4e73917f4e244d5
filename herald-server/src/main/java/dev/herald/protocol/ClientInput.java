package dev.herald.protocol;

/**
 * The bounds on what a client sends that Herald keeps or repeats: names and ids it stores, and how
 * much of any input an answer may quote. An answer that repeated its input whole would let a client
 * that never reads turn one large message into a larger one queued for it, so every refusal quotes
 * at most {@value #MAX_QUOTED} characters, whatever it was sent.
 */
public final class ClientInput {

    /** Characters of client input an error message repeats. */
    public static final int MAX_QUOTED = 200;

    /**
     * Longest event name, as Pusher's libraries enforce for server events (docs/protocol.md §7).
     */
    public static final int MAX_EVENT_NAME_LENGTH = 200;

    /** Longest user id: a presence {@code user_id}, a sign-in {@code id}, a watchlist entry. */
    public static final int MAX_USER_ID_LENGTH = 200;

    /**
     * Longest channel name repeated whole in the {@code channel} field of a refusal, so pusher-js
     * can route it to the channel object even when the name was refused for its length. Longer
     * names are quoted there like any other input.
     */
    public static final int MAX_ECHOED_CHANNEL_LENGTH = 1_000;

    private ClientInput() {}

    /**
     * The text as an error message may repeat it: whole up to {@value #MAX_QUOTED} characters, else
     * its start and how much was left out. Never splits a surrogate pair.
     */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        if (text.length() <= MAX_QUOTED) {
            return text;
        }
        int end = MAX_QUOTED;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "... (" + (text.length() - end) + " more characters)";
    }
}
