package dev.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.herald.auth.HmacSigner;
import dev.herald.auth.RequestSignature;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP side of the server port: raw requests through the server's own pipeline (HTTP codec,
 * aggregator, {@code HttpRouter}, and the WebSocket upgrade when asked for), and the REST request
 * signature check on its own.
 */
class HttpApiFuzzTest {

    /**
     * What one answer may add to the size of the request it answers (see {@link SessionFuzzTest}).
     */
    private static final int ANSWER_OVERHEAD = SessionFuzzTest.ANSWER_OVERHEAD;

    private static final String SECRET = InProcessNode.APP.secret();
    private static final String KEY = InProcessNode.APP.key();

    /** The signature check's clock: fixed, so that an input means the same on every run. */
    private static final long NOW = 1_700_000_000L;

    static {
        Alarms.check(); // leak detection on before the first buffer exists
    }

    /**
     * Raw HTTP requests separated by {@code @NEXT@}, each written on its own. Placeholders make a
     * request pass the signature check whatever the fuzzer does to it: {@code @TS@} becomes the
     * time, and in the head {@code @LEN@} the body's length, {@code @MD5@} its MD5 and
     * {@code @SIG@} the request's signature (over the method, path and query as the server reads
     * them); {@code @*N@} repeats the byte before it (see {@link Input#expandRepeats}).
     *
     * <p>Invariants: nothing escapes the pipeline, no request ends in an exception (the router
     * would close the connection without an answer), no leak, each answer at most {@value
     * SessionFuzzTest#ANSWER_OVERHEAD} bytes larger than its request, and once the client is gone
     * no connection, channel or admission slot is held.
     */
    @FuzzTest(maxDuration = "25s")
    void requests(byte[] data) {
        Alarms.begin();
        InProcessNode node = new InProcessNode();
        try {
            String all = new String(Input.expandRepeats(data), StandardCharsets.ISO_8859_1);
            for (String part : all.split("@NEXT@", -1)) {
                byte[] request = placeholders(part, System.currentTimeMillis() / 1000);
                int before = node.requests;
                if (!node.write(request)) {
                    break;
                }
                long out = node.drain();
                int answered = Math.max(1, node.requests - before);
                assertThat(out)
                        .as(
                                "AMPLIFICATION (issue #13, answers never amplify): %d bytes answered %d"
                                        + " requests of %d bytes; the answer starts %s",
                                out, answered, request.length, preview(node.lastOutbound()))
                        .isLessThanOrEqualTo((long) ANSWER_OVERHEAD * answered + request.length);
            }
        } finally {
            node.close();
        }
        Alarms.check();
    }

    /**
     * {@link RequestSignature#verify} against a reference reading of the algorithm. Input lines:
     * method, path, a clock offset in seconds, a query string (decoded as the server decodes one),
     * then the body (the rest). {@code @TS@}, {@code @MD5@} and {@code @SIG@} in the query become
     * the time, the body's MD5 and the reference signature.
     *
     * <p>Invariants: the only refusal is a 401 whose message is short (it quotes client input only
     * up to a bound); an accepted request holds by the reference; a request the reference holds
     * correct (distinct keys, good signature, timestamp and MD5) is accepted.
     */
    @FuzzTest(maxDuration = "25s")
    void signature(byte[] data) {
        String[] f = new String(data, StandardCharsets.UTF_8).split("\n", 5);
        String method = field(f, 0);
        String path = field(f, 1);
        long now = NOW + parseOr(field(f, 2), 0);
        byte[] body = field(f, 4).getBytes(StandardCharsets.UTF_8);
        String query =
                field(f, 3)
                        .replace("@TS@", Long.toString(now))
                        .replace("@MD5@", RequestSignature.md5Hex(body));
        Map<String, List<String>> params;
        try {
            params = new QueryStringDecoder("/?" + query).parameters();
            if (query.contains("@SIG@")) {
                String sig =
                        new HmacSigner(SECRET).signHex(referenceStringToSign(method, path, params));
                params = new QueryStringDecoder("/?" + query.replace("@SIG@", sig)).parameters();
            }
        } catch (IllegalArgumentException e) {
            return; // the router answers 400 before any signature check (see requests)
        }
        boolean accepted;
        try {
            RequestSignature.verify(method, path, params, body, KEY, new HmacSigner(SECRET), now);
            accepted = true;
        } catch (RequestSignature.Refused e) {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).isNotEmpty();
            assertThat(e.getMessage().length())
                    .as(
                            "QUOTE CAP (issue #13): refusal of %d characters: %s",
                            e.getMessage().length(), preview(e.getMessage()))
                    .isLessThanOrEqualTo(ANSWER_OVERHEAD / 4);
            accepted = false;
        }
        String why = referenceProblem(method, path, params, body, now);
        if (accepted) {
            assertThat(why).as("accepted although the reference refuses it").isNull();
        } else if (why == null && distinctKeys(params)) {
            throw new AssertionError("refused a request the reference accepts: " + params);
        }
    }

    /**
     * Why the request does not hold by the published algorithm, or {@code null} if it holds or the
     * algorithm leaves it open (a key given twice, or in two cases).
     */
    private static String referenceProblem(
            String method, String path, Map<String, List<String>> params, byte[] body, long now) {
        if (!distinctKeys(params)) {
            return null;
        }
        Map<String, List<String>> lower = new LinkedHashMap<>();
        params.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        if (!KEY.equals(first(lower, "auth_key"))) {
            return "auth_key";
        }
        String version = first(lower, "auth_version");
        if (version != null && !version.equals("1.0")) {
            return "auth_version";
        }
        BigInteger ts;
        try {
            ts = new BigInteger(first(lower, "auth_timestamp"));
        } catch (RuntimeException e) {
            return "auth_timestamp";
        }
        if (BigInteger.valueOf(now)
                        .subtract(ts)
                        .abs()
                        .compareTo(BigInteger.valueOf(RequestSignature.MAX_SKEW_SECONDS))
                > 0) {
            return "timestamp skew";
        }
        String md5 = first(lower, "body_md5");
        if ((body.length > 0 || md5 != null)
                && !RequestSignature.md5Hex(body).equalsIgnoreCase(String.valueOf(md5))) {
            return "body_md5";
        }
        String signature = first(lower, "auth_signature");
        if (signature == null) {
            return "auth_signature";
        }
        String expected =
                new HmacSigner(SECRET).signHex(referenceStringToSign(method, path, params));
        return expected.equals(signature) ? null : "signature";
    }

    /** {@code METHOD\npath\nk=v&...}: keys lowercased and sorted, auth_signature left out. */
    private static String referenceStringToSign(
            String method, String path, Map<String, List<String>> params) {
        List<String> pairs = new ArrayList<>();
        params.forEach(
                (k, values) -> {
                    if (!k.equalsIgnoreCase("auth_signature")) {
                        values.forEach(v -> pairs.add(k.toLowerCase(Locale.ROOT) + "=" + v));
                    }
                });
        pairs.sort(
                (a, b) -> a.substring(0, a.indexOf('=')).compareTo(b.substring(0, b.indexOf('='))));
        return method.toUpperCase(Locale.ROOT) + "\n" + path + "\n" + String.join("&", pairs);
    }

    private static boolean distinctKeys(Map<String, List<String>> params) {
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!seen.add(e.getKey().toLowerCase(Locale.ROOT)) || e.getValue().size() != 1) {
                return false;
            }
        }
        return true;
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Substitutes the placeholders of one raw request (see {@link #requests}). */
    static byte[] placeholders(String request, long now) {
        String text = request.replace("@TS@", Long.toString(now));
        int headEnd = text.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? text : text.substring(0, headEnd);
        String body = headEnd < 0 ? "" : text.substring(headEnd + 4);
        byte[] bodyBytes = body.getBytes(StandardCharsets.ISO_8859_1);
        head =
                head.replace("@LEN@", Integer.toString(bodyBytes.length))
                        .replace("@MD5@", RequestSignature.md5Hex(bodyBytes));
        if (head.contains("@SIG@")) {
            head = head.replace("@SIG@", signature(head));
        }
        String result = headEnd < 0 ? head : head + "\r\n\r\n" + body;
        return result.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The signature of the request line in {@code head}, as a signing SDK would compute it. */
    private static String signature(String head) {
        int eol = head.indexOf('\n');
        String[] line = (eol < 0 ? head : head.substring(0, eol)).trim().split(" ");
        if (line.length < 2) {
            return "0";
        }
        try {
            QueryStringDecoder uri = new QueryStringDecoder(line[1]);
            Map<String, List<String>> params = new LinkedHashMap<>(uri.parameters());
            return new HmacSigner(SECRET)
                    .signHex(RequestSignature.stringToSign(line[0], uri.rawPath(), params));
        } catch (IllegalArgumentException e) {
            return "0";
        }
    }

    private static String field(String[] fields, int i) {
        return i < fields.length ? fields[i] : "";
    }

    private static long parseOr(String text, long fallback) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String preview(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
