package dev.herald.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 with one secret, as lowercase hex: the primitive behind channel auth, sign-in, REST
 * request signatures and webhook signatures. Thread-safe: each thread keeps its own initialised
 * {@link Mac}, so the key schedule is computed once per thread, not per call.
 */
public final class HmacSigner {

    private static final HexFormat HEX = HexFormat.of();

    private final ThreadLocal<Mac> mac;

    public HmacSigner(String secret) {
        SecretKeySpec key =
                new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.mac =
                ThreadLocal.withInitial(
                        () -> {
                            try {
                                Mac m = Mac.getInstance("HmacSHA256");
                                m.init(key);
                                return m;
                            } catch (GeneralSecurityException e) {
                                throw new IllegalStateException("HmacSHA256 is not available", e);
                            }
                        });
    }

    public String signHex(String message) {
        return signHex(message.getBytes(StandardCharsets.UTF_8));
    }

    public String signHex(byte[] message) {
        return HEX.formatHex(mac.get().doFinal(message));
    }

    /** Constant-time check of a hex signature (any case) against the message. */
    public boolean verifyHex(String message, String signatureHex) {
        return verifyHex(message.getBytes(StandardCharsets.UTF_8), signatureHex);
    }

    public boolean verifyHex(byte[] message, String signatureHex) {
        if (signatureHex == null) {
            return false;
        }
        byte[] expected = signHex(message).getBytes(StandardCharsets.US_ASCII);
        byte[] given = signatureHex.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }
}
