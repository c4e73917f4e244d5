package dev.herald.bench.sign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher signatures, as a client and an app server compute them.
 *
 * <ul>
 *   <li>Channel authorization (docs/protocol.md §3.3): {@code key + ":" + hex(HMAC_SHA256(secret,
 *       socket_id:channel[:channel_data]))}.
 *   <li>REST request signing, auth_version 1.0 (protocol §5.2): the string to sign is {@code
 *       METHOD\npath\nsorted k=v&...} over every query parameter except auth_signature, with {@code
 *       body_md5} when the body is non-empty.
 * </ul>
 *
 * <p>Instances keep their {@link Mac} and {@link MessageDigest} and are not thread-safe: keep one
 * per event loop or connection. The static helpers allocate and are for setup paths and tests.
 */
public final class PusherSigning {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final String key;
    private final Mac mac;
    private final MessageDigest md5;

    public PusherSigning(String key, String secret) {
        this.key = key;
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks HmacSHA256 or MD5", e);
        }
    }

    public String key() {
        return key;
    }

    /** {@code key:hexsig} for a private channel, or a presence channel when channelData != null. */
    public String channelAuth(String socketId, String channel, String channelData) {
        String toSign =
                channelData == null
                        ? socketId + ":" + channel
                        : socketId + ":" + channel + ":" + channelData;
        return key + ":" + hmacHex(toSign);
    }

    public String hmacHex(String message) {
        return hex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    public String md5Hex(byte[] body, int off, int len) {
        md5.update(body, off, len);
        return hex(md5.digest());
    }

    /**
     * Query string for a signed POST with a JSON body, parameters in signing order: {@code
     * auth_key, auth_timestamp, auth_version, body_md5, auth_signature}.
     */
    public String signedPostQuery(String path, byte[] body, int off, int len, long timestamp) {
        String bodyMd5 = md5Hex(body, off, len);
        String params =
                "auth_key="
                        + key
                        + "&auth_timestamp="
                        + timestamp
                        + "&auth_version=1.0&body_md5="
                        + bodyMd5;
        String signature = hmacHex("POST\n" + path + "\n" + params);
        return params + "&auth_signature=" + signature;
    }

    /** The string to sign for any request (protocol §5.2); keys are lowercased and sorted. */
    public static String stringToSign(String method, String path, Map<String, String> params) {
        TreeMap<String, String> sorted = new TreeMap<>();
        params.forEach(
                (k, v) -> {
                    if (!k.equalsIgnoreCase("auth_signature")) {
                        sorted.put(k.toLowerCase(Locale.ROOT), v);
                    }
                });
        StringBuilder sb =
                new StringBuilder(method.toUpperCase(Locale.ROOT))
                        .append('\n')
                        .append(path)
                        .append('\n');
        boolean first = true;
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (!first) {
                sb.append('&');
            }
            first = false;
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    public static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
