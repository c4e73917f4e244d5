package dev.herald.protocol;

/**
 * Every error Herald reports on a WebSocket connection, with its Pusher code.
 *
 * <p>The range of a code tells the client what to do ({@code docs/protocol.md} §2.5): 4000–4099 do
 * not reconnect unchanged, 4100–4199 reconnect after a back-off, 4200–4299 reconnect at once,
 * 4300–4399 any other error. Fatal errors are sent as {@code pusher:error} followed by a close
 * frame with the same code (protocol &lt; 6 clients need the message). The 43xx codes below 4301
 * and above it are Herald's own, for refusals Pusher does not number; they are sent without closing
 * the connection.
 */
public enum PusherError {
    APP_NOT_FOUND(4001, true),
    APP_DISABLED(4003, true),
    OVER_CONNECTION_QUOTA(4004, true),
    PATH_NOT_FOUND(4005, true),
    UNSUPPORTED_PROTOCOL(4007, true),
    NO_PROTOCOL(4008, true),
    /** A refused subscription or sign-in. Sent without closing. */
    UNAUTHORIZED(4009, false),
    /** A terminated or unauthorized connection: closes. */
    UNAUTHORIZED_CLOSE(4009, true),
    OVER_CAPACITY(4100, true),
    /** The connection sent more messages than its budget allows: back off, then reconnect. */
    TOO_MANY_MESSAGES(4100, true),
    RECONNECT(4200, true),
    PONG_TIMEOUT(4201, true),
    INVALID_MESSAGE(4300, false),
    CLIENT_EVENT_RATE_LIMIT(4301, false),
    INVALID_CHANNEL(4302, false),
    CLIENT_EVENT_REFUSED(4303, false),
    TOO_MANY_CHANNELS(4304, false),
    EVENT_TOO_LARGE(4305, false),
    PRESENCE_FULL(4306, false),
    INVALID_PRESENCE_DATA(4307, false);

    private final int code;
    private final boolean closes;

    PusherError(int code, boolean closes) {
        this.code = code;
        this.closes = closes;
    }

    public int code() {
        return code;
    }

    /** Whether the connection is closed, with this code, after the error is sent. */
    public boolean closes() {
        return closes;
    }
}
