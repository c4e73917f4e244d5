package dev.herald.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher HTTP request signing (auth_version 1.0) written out from docs/protocol.md §5.2, so a test
 * can sign what the SDK never would: an old timestamp, a body that differs from its {@code
 * body_md5}, percent-encoded values.
 */
public final class RequestSigner {

    private final String key;
    private final String secret;

    public RequestSigner(String key, String secret) {
        this.key = key;
        this.secret = secret;
    }

    /**
     * The query parameters of a signed request: {@code params} plus auth_key, auth_timestamp,
     * auth_version, body_md5 (when there is a body) and auth_signature.
     */
    public Map<String, String> sign(
            String method, String path, Map<String, String> params, String body, long timestamp) {
        Map<String, String> query = new LinkedHashMap<>(params);
        query.put("auth_key", key);
        query.put("auth_timestamp", Long.toString(timestamp));
        query.put("auth_version", "1.0");
        if (body != null && !body.isEmpty()) {
            query.put("body_md5", md5Hex(body));
        }
        query.put("auth_signature", hmacSha256Hex(secret, stringToSign(method, path, query)));
        return query;
    }

    /**
     * {@code METHOD\npath\nk=v&...}: lowercase keys sorted, values unescaped, auth_signature left
     * out.
     */
    public static String stringToSign(String method, String path, Map<String, String> params) {
        Map<String, String> sorted = new TreeMap<>();
        params.forEach(
                (k, v) -> {
                    if (!k.equalsIgnoreCase("auth_signature")) {
                        sorted.put(k.toLowerCase(Locale.ROOT), v);
                    }
                });
        String joined =
                sorted.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining("&"));
        return method.toUpperCase(Locale.ROOT) + "\n" + path + "\n" + joined;
    }

    /**
     * A query string; values are percent-encoded when asked (as Apache's URIBuilder does), else
     * sent raw.
     */
    public static String queryString(Map<String, String> params, boolean percentEncode) {
        return params.entrySet().stream()
                .map(
                        e ->
                                e.getKey()
                                        + "="
                                        + (percentEncode
                                                ? URLEncoder.encode(
                                                        e.getValue(), StandardCharsets.UTF_8)
                                                : e.getValue()))
                .collect(Collectors.joining("&"));
    }

    public static String hmacSha256Hex(String secret, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String md5Hex(String body) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("MD5")
                                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
