package dev.herald.protocol;

/**
 * The kind of a channel, decided once from its name's prefix (docs/protocol.md §3.1, checked in
 * that order, and anchored at the start of the name: "x-cache-y" is a public channel).
 */
public enum ChannelKind {
    PRIVATE_ENCRYPTED_CACHE("private-encrypted-cache-", Auth.PRIVATE, false, true),
    PRIVATE_ENCRYPTED("private-encrypted-", Auth.PRIVATE, false, false),
    PRIVATE_CACHE("private-cache-", Auth.PRIVATE, true, true),
    PRESENCE_CACHE("presence-cache-", Auth.PRESENCE, true, true),
    CACHE("cache-", Auth.NONE, false, true),
    PRIVATE("private-", Auth.PRIVATE, true, false),
    PRESENCE("presence-", Auth.PRESENCE, true, false),
    SERVER_TO_USER("#server-to-user-", Auth.SIGNED_IN_USER, false, false),
    /** Herald's own channels (watchlists); their names are refused to clients. */
    INTERNAL("#", Auth.NEVER, false, false),
    PUBLIC("", Auth.NONE, false, false);

    /** What a subscriber must prove. */
    public enum Auth {
        NONE,
        PRIVATE,
        PRESENCE,
        SIGNED_IN_USER,
        NEVER
    }

    private static final ChannelKind[] BY_PREFIX = values();

    private final String prefix;
    private final Auth auth;
    private final boolean clientEvents;
    private final boolean cached;

    ChannelKind(String prefix, Auth auth, boolean clientEvents, boolean cached) {
        this.prefix = prefix;
        this.auth = auth;
        this.clientEvents = clientEvents;
        this.cached = cached;
    }

    public static ChannelKind of(String channel) {
        for (ChannelKind kind : BY_PREFIX) {
            if (channel.startsWith(kind.prefix)) {
                return kind;
            }
        }
        return PUBLIC;
    }

    public String prefix() {
        return prefix;
    }

    public Auth auth() {
        return auth;
    }

    public boolean isPresence() {
        return auth == Auth.PRESENCE;
    }

    /**
     * Whether clients may send {@code client-*} events on this kind (private and presence only).
     */
    public boolean allowsClientEvents() {
        return clientEvents;
    }

    /** End-to-end encrypted channels (protocol §3.6): the server relays ciphertext. */
    public boolean isEncrypted() {
        return this == PRIVATE_ENCRYPTED || this == PRIVATE_ENCRYPTED_CACHE;
    }

    /** Whether the channel keeps its last event (cache channels, protocol §3.7). */
    public boolean isCached() {
        return cached;
    }

    /**
     * Channels that exist for the server's own routing (users, watchlists), not for apps to list.
     */
    public boolean isHidden() {
        return this == SERVER_TO_USER || this == INTERNAL;
    }

    /** The channel every socket signed in as {@code userId} belongs to (protocol §4.3). */
    public static String userChannel(String userId) {
        return SERVER_TO_USER.prefix + userId;
    }

    /** The user whose {@code #server-to-user-} channel this is, or null for any other channel. */
    public static String userOfChannel(String channel) {
        return channel.startsWith(SERVER_TO_USER.prefix())
                ? channel.substring(SERVER_TO_USER.prefix().length())
                : null;
    }

    /** The internal channel whose members watch {@code userId}'s online status (protocol §4.4). */
    public static String watchlistChannel(String userId) {
        return INTERNAL.prefix + "watchlist-" + userId;
    }
}
