package dev.herald.protocol;

/**
 * The {@code type} and {@code status} of a {@code pusher:subscription_error} (docs/protocol.md
 * §3.4): what pusher-js hands the app's handlers for a refused subscription. The status is an HTTP
 * status for auth and name problems, as an app's auth endpoint would answer, and the Pusher code
 * for limits.
 */
public enum SubscriptionRefusal {
    /** The channel name breaks a name rule. */
    INVALID_CHANNEL("InvalidChannel", 400),
    /**
     * The signature, or what the signature needs, is missing or wrong; or the channel is not the
     * socket's to join.
     */
    NOT_AUTHORIZED("AuthError", 401),
    /** {@code channel_data} is not a JSON object with a user id. */
    INVALID_CHANNEL_DATA("AuthError", 400),
    /** The connection has as many channels as its app allows. */
    TOO_MANY_CHANNELS("LimitReached", PusherError.TOO_MANY_CHANNELS.code()),
    /** The presence channel has as many members as its app allows. */
    PRESENCE_FULL("LimitReached", PusherError.PRESENCE_FULL.code()),
    /** The member's user id or user info is over its bound. */
    MEMBER_TOO_LARGE("LimitReached", PusherError.INVALID_PRESENCE_DATA.code());

    private final String type;
    private final int status;

    SubscriptionRefusal(String type, int status) {
        this.type = type;
        this.status = status;
    }

    public String type() {
        return type;
    }

    public int status() {
        return status;
    }
}
