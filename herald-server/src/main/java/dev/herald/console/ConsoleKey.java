package dev.herald.console;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What signs a person in to the console, and everything derived from it: the session cookie, the
 * CSRF value, and one-time links.
 *
 * <p>The key is the configured token, or 32 random bytes a node draws at start when none is set.
 * Cookies and CSRF values are MACs of the key, so they need no server-side sessions, hold for every
 * node that shares a token, and stop working the moment the token changes or a node draws a new
 * key. Every comparison is constant-time.
 */
public final class ConsoleKey {

    /** How long a one-time link works. */
    public static final long LINK_MILLIS = 10 * 60 * 1000;

    /**
     * Links used and not yet expired, remembered so each works once. Bounded: only someone holding
     * the key makes links, and past this many used within ten minutes new ones are refused.
     */
    static final int MAX_USED_LINKS = 10_000;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] key;
    private final String token;
    private final byte[] cookie;
    private final byte[] csrf;
    private final Map<String, Long> usedLinks = new LinkedHashMap<>();

    private ConsoleKey(byte[] key, String token) {
        this.key = key.clone();
        this.token = token;
        this.cookie = mac(this.key, "herald-console-session");
        this.csrf = mac(this.key, "herald-console-csrf");
    }

    /** The key of a configured token. */
    public static ConsoleKey ofToken(String token) {
        return new ConsoleKey(token.getBytes(StandardCharsets.UTF_8), token);
    }

    /** A key drawn now, for a node with no token. */
    public static ConsoleKey generated() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new ConsoleKey(key, null);
    }

    /** The key of a node that has no token, as its key file holds it. */
    public static ConsoleKey ofKeyText(String text) {
        return new ConsoleKey(Base64.getDecoder().decode(text.trim()), null);
    }

    /** The generated key as its key file holds it. */
    public String keyText() {
        return Base64.getEncoder().encodeToString(key);
    }

    public boolean hasToken() {
        return token != null;
    }

    /** Whether {@code candidate} is the configured token (never true without one). */
    public boolean isToken(String candidate) {
        return token != null
                && candidate != null
                && MessageDigest.isEqual(
                        token.getBytes(StandardCharsets.UTF_8),
                        candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** The session cookie's value. */
    public String cookieValue() {
        return B64.encodeToString(cookie);
    }

    public boolean isCookie(String candidate) {
        return candidate != null && equalsEncoded(cookie, candidate);
    }

    /** The value a signed-in page sends in {@code X-Herald-Csrf}. */
    public String csrfValue() {
        return B64.encodeToString(csrf);
    }

    public boolean isCsrf(String candidate) {
        return candidate != null && equalsEncoded(csrf, candidate);
    }

    private static boolean equalsEncoded(byte[] expected, String candidate) {
        return MessageDigest.isEqual(
                B64.encodeToString(expected).getBytes(StandardCharsets.US_ASCII),
                candidate.getBytes(StandardCharsets.US_ASCII));
    }

    /** A link code that signs in once, until {@code now + LINK_MILLIS}. */
    public String newLink(long now) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        byte[] payload =
                ByteBuffer.allocate(8 + nonce.length).putLong(now + LINK_MILLIS).put(nonce).array();
        String body = B64.encodeToString(payload);
        return body + "." + B64.encodeToString(mac(key, "herald-console-link:" + body));
    }

    /**
     * Takes a link code: true the first time a valid, unexpired code is given, false ever after.
     */
    public synchronized boolean useLink(String code, long now) {
        if (code == null || code.length() > 200) {
            return false;
        }
        int dot = code.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String body = code.substring(0, dot);
        if (!equalsEncoded(mac(key, "herald-console-link:" + body), code.substring(dot + 1))) {
            return false;
        }
        long expires;
        try {
            expires = ByteBuffer.wrap(Base64.getUrlDecoder().decode(body)).getLong();
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            return false;
        }
        if (now >= expires || usedLinks.containsKey(body)) {
            return false;
        }
        for (Iterator<Long> it = usedLinks.values().iterator(); it.hasNext(); ) {
            if (it.next() <= now) {
                it.remove();
            }
        }
        if (usedLinks.size() >= MAX_USED_LINKS) {
            return false; // forgetting a used link early would let it work twice
        }
        usedLinks.put(body, expires);
        return true;
    }

    private static byte[] mac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
