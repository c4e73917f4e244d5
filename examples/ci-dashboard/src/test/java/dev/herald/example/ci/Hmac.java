package dev.herald.example.ci;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Independent computation of Pusher's private-channel signature (docs/protocol.md §3.3), to check
 * the app against.
 */
final class Hmac {
    private Hmac() {}

    static String privateAuth(String key, String secret, String socketId, String channel) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((socketId + ":" + channel).getBytes(StandardCharsets.UTF_8));
            return key + ":" + HexFormat.of().formatHex(sig);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
