package dev.herald.protocol;

/**
 * The RFC 6455 close codes (§7.4.1) the server sends of its own accord. Pusher's codes (4000 and
 * up) are {@link PusherError}; codes the frame decoder reports are passed on as it gives them.
 */
public final class CloseCodes {

    /** The client closed, and this is the answer. */
    public static final int NORMAL = 1000;

    /** A text message that is not UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;

    /** A message, whole or joined from fragments, over the largest allowed. */
    public static final int MESSAGE_TOO_BIG = 1009;

    /**
     * Never sent: the code reported (to the console's debug stream) for a connection that ended
     * without a close frame, as RFC 6455 §7.1.5 prescribes.
     */
    public static final int ABNORMAL = 1006;

    private CloseCodes() {}
}
