package dev.herald.auth;

import dev.herald.protocol.ClientInput;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pusher's REST request signature, auth_version 1.0 (docs/protocol.md §5.2): {@code
 * METHOD\npath\nk=v&k=v...} over every query parameter but {@code auth_signature}, keys lowercased
 * and sorted, values percent-decoded, and {@code body_md5} binding the body.
 */
public final class RequestSignature {

    /** Allowed clock difference between the caller and this server. */
    public static final long MAX_SKEW_SECONDS = 600;

    /** A refused request: HTTP status and the reason shown to the developer. */
    public static final class Refused extends Exception {
        private final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private RequestSignature() {}

    /**
     * Checks a request against the app's key and signer.
     *
     * @param params decoded query parameters as received (any key case)
     * @param body the raw body bytes (empty for none)
     * @throws Refused with 401 and a reason when any part does not hold
     */
    public static void verify(
            String method,
            String path,
            Map<String, List<String>> params,
            byte[] body,
            String appKey,
            HmacSigner signer,
            long nowSeconds)
            throws Refused {
        String authKey = single(params, "auth_key");
        if (authKey == null) {
            throw new Refused(401, "Missing auth_key");
        }
        if (!authKey.equals(appKey)) {
            throw new Refused(
                    401, "Unknown auth_key " + ClientInput.quote(authKey) + " for this app");
        }
        String version = single(params, "auth_version");
        if (version != null && !version.equals("1.0")) {
            throw new Refused(401, "Version not supported: auth_version must be 1.0");
        }
        String timestamp = single(params, "auth_timestamp");
        if (timestamp == null) {
            throw new Refused(401, "Missing auth_timestamp");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw new Refused(
                    401,
                    "auth_timestamp must be unix seconds, got " + ClientInput.quote(timestamp));
        }
        // compared without subtracting: now - ts overflows for timestamps near Long.MIN_VALUE
        if (ts < nowSeconds - MAX_SKEW_SECONDS || ts > nowSeconds + MAX_SKEW_SECONDS) {
            throw new Refused(
                    401,
                    "Timestamp expired: Given timestamp ("
                            + ts
                            + ") not within "
                            + MAX_SKEW_SECONDS
                            + "s of server time ("
                            + nowSeconds
                            + ")");
        }
        String bodyMd5 = single(params, "body_md5");
        if (body.length > 0 || bodyMd5 != null) {
            String actual = md5Hex(body);
            if (bodyMd5 == null) {
                throw new Refused(401, "Missing body_md5 for a request with a body");
            }
            if (!actual.equalsIgnoreCase(bodyMd5)) {
                throw new Refused(
                        401,
                        "body_md5 does not match the body: expected "
                                + actual
                                + ", got "
                                + ClientInput.quote(bodyMd5));
            }
        }
        String signature = single(params, "auth_signature");
        if (signature == null) {
            throw new Refused(401, "Missing auth_signature");
        }
        String toSign = stringToSign(method, path, params);
        if (!signer.verifyHex(toSign, signature)) {
            throw new Refused(
                    401,
                    "Invalid signature: you should have sent HmacSHA256Hex(\""
                            + ClientInput.quote(toSign.replace("\n", "\\n"))
                            + "\", your_secret_key), but you sent \""
                            + ClientInput.quote(signature)
                            + "\"");
        }
    }

    /** The exact string a client signs, for these (decoded) parameters. */
    public static String stringToSign(
            String method, String path, Map<String, List<String>> params) {
        List<String[]> pairs = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (key.equals("auth_signature")) {
                continue;
            }
            for (String value : e.getValue()) {
                pairs.add(new String[] {key, value});
            }
        }
        pairs.sort((a, b) -> a[0].compareTo(b[0]));
        StringBuilder sb =
                new StringBuilder(128)
                        .append(method.toUpperCase(Locale.ROOT))
                        .append('\n')
                        .append(path)
                        .append('\n');
        for (int i = 0; i < pairs.size(); i++) {
            if (i > 0) {
                sb.append('&');
            }
            sb.append(pairs.get(i)[0]).append('=').append(pairs.get(i)[1]);
        }
        return sb.toString();
    }

    public static String md5Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }

    private static String single(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        if (values == null) {
            for (Map.Entry<String, List<String>> e : params.entrySet()) {
                if (e.getKey().equalsIgnoreCase(key)) {
                    values = e.getValue();
                    break;
                }
            }
        }
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
