package dev.herald.auth;

/**
 * Checks the {@code auth} strings clients present (docs/protocol.md §3.3 and §4.1): {@code
 * key:hex(HMAC_SHA256(secret, string_to_sign))}, where the string is {@code socket_id:channel},
 * {@code socket_id:channel:channel_data}, or {@code socket_id::user::user_data} for sign-in. The
 * signed data is the exact string the client sent; it is never re-serialised before checking.
 */
public final class ChannelAuthenticator {

    private final String key;
    private final HmacSigner signer;

    public ChannelAuthenticator(String key, HmacSigner signer) {
        this.key = key;
        this.signer = signer;
    }

    /** The string a private or presence subscription must have signed. */
    public static String channelStringToSign(String socketId, String channel, String channelData) {
        return channelData == null
                ? socketId + ":" + channel
                : socketId + ":" + channel + ":" + channelData;
    }

    /** The string a sign-in must have signed. */
    public static String userStringToSign(String socketId, String userData) {
        return socketId + "::user::" + userData;
    }

    /** Whether {@code auth} is this app's key followed by a valid signature of the string. */
    public boolean verify(String auth, String stringToSign) {
        if (auth == null) {
            return false;
        }
        int colon = auth.indexOf(':');
        if (colon < 0 || !auth.regionMatches(0, key, 0, colon) || colon != key.length()) {
            return false;
        }
        return signer.verifyHex(stringToSign, auth.substring(colon + 1));
    }

    /** What a valid {@code auth} string for this app is, for error messages and tests. */
    public String sign(String stringToSign) {
        return key + ":" + signer.signHex(stringToSign);
    }
}
