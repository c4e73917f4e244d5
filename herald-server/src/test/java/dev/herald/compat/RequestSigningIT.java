package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.SignatureUtil;
import com.pusher.rest.data.PresenceUser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP request signing (spec section 5.2), end to end. The server runs with the credentials of
 * the spec's worked example (app 3, key 278d425bdf160c739803), so the signer used here is
 * first checked against the spec's vectors and then sends requests the SDK never would.
 */
class RequestSigningIT {

    private static final String APP_ID = "3";
    private static final String KEY = "278d425bdf160c739803";
    private static final String SECRET = "7ad3773142a6692b25b8";
    private static final long SPEC_TIMESTAMP = 1353088179L;
    private static final String SPEC_BODY = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
    private static final String EVENTS = "/apps/3/events";

    private static HeraldProcess herald;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final RequestSigner SIGNER = new RequestSigner(KEY, SECRET);

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("signing", Map.of(
                "HERALD_APP_ID", APP_ID, "HERALD_APP_KEY", KEY, "HERALD_APP_SECRET", SECRET));
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void signerReproducesTheSpecVectors() {
        Map<String, String> post = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, SPEC_TIMESTAMP);
        assertThat(post.get("body_md5")).isEqualTo("ec365a775a4cd0599faeb73354201b6f");
        assertThat(RequestSigner.stringToSign("POST", EVENTS, post)).isEqualTo("POST\n/apps/3/events\n"
                + "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
                + "&body_md5=ec365a775a4cd0599faeb73354201b6f");
        assertThat(post.get("auth_signature"))
                .isEqualTo("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c")
                .isEqualTo(SignatureUtil.sign(RequestSigner.stringToSign("POST", EVENTS, post), SECRET));

        Map<String, String> get = SIGNER.sign("GET", "/apps/3/channels",
                Map.of("filter_by_prefix", "presence-", "info", "user_count"), null, SPEC_TIMESTAMP);
        assertThat(get.get("auth_signature"))
                .isEqualTo("16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291");
    }

    @Test
    void acceptsTheSpecPostExampleSignedNow() {
        HttpResponse<String> response = post(EVENTS, SPEC_BODY, SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now()));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Json.parse(response.body()).isObject()).isTrue();
    }

    @Test
    void refusesTheSpecPostExampleAtItsOriginalTimestampWith401() {
        Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, SPEC_TIMESTAMP);
        assertThat(query.get("auth_signature")).startsWith("da454824");

        assertRefused(post(EVENTS, SPEC_BODY, query), 401);
    }

    @Test
    void refusesATimestamp700SecondsOldWith401() {
        assertRefused(post(EVENTS, SPEC_BODY, SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now() - 700)), 401);
    }

    @Test
    void refusesATimestamp700SecondsAheadWith401() {
        assertRefused(post(EVENTS, SPEC_BODY, SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now() + 700)), 401);
    }

    @Test
    void acceptsATimestamp500SecondsOld() {
        HttpResponse<String> response = post(EVENTS, SPEC_BODY, SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now() - 500));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void refusesABodyThatDoesNotMatchItsBodyMd5With401() {
        Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now());
        String tampered = SPEC_BODY.replace("project-3", "project-4");

        assertRefused(post(EVENTS, tampered, query), 401);
    }

    @Test
    void refusesABodyWithoutBodyMd5With401() {
        Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), null, now());

        assertRefused(post(EVENTS, SPEC_BODY, query), 401);
    }

    @Test
    void refusesAWrongSignatureWith401() {
        Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now());
        String signature = query.get("auth_signature");
        query.put("auth_signature", (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1));

        assertRefused(post(EVENTS, SPEC_BODY, query), 401);
    }

    @Test
    void refusesARequestWithoutSignatureWith401() {
        Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now());
        query.remove("auth_signature");

        assertRefused(post(EVENTS, SPEC_BODY, query), 401);
    }

    @Test
    void refusesASignatureForAnotherPathWith401() {
        Map<String, String> query = SIGNER.sign("POST", "/apps/3/batch_events", Map.of(), SPEC_BODY, now());

        assertRefused(post(EVENTS, SPEC_BODY, query), 401);
    }

    @Test
    void refusesTheAuthKeyOfNoAppWith401Or403() {
        Map<String, String> query = new RequestSigner("not-the-key", SECRET)
                .sign("POST", EVENTS, Map.of(), SPEC_BODY, now());

        HttpResponse<String> response = post(EVENTS, SPEC_BODY, query);

        assertThat(response.statusCode()).as(response.body()).isIn(401, 403);
        assertErrorBody(response);
    }

    @Test
    void refusesAnUnsupportedAuthVersion() {
        Map<String, String> query = new LinkedHashMap<>(Map.of("auth_version", "2.0"));
        query.put("auth_key", KEY);
        query.put("auth_timestamp", Long.toString(now()));
        query.put("body_md5", RequestSigner.md5Hex(SPEC_BODY));
        query.put("auth_signature", RequestSigner.hmacSha256Hex(SECRET, RequestSigner.stringToSign("POST", EVENTS, query)));

        HttpResponse<String> response = post(EVENTS, SPEC_BODY, query);

        assertThat(response.statusCode()).as(response.body()).isBetween(400, 401);
        assertErrorBody(response);
    }

    @Test
    void verifiesPercentEncodedQueryValuesAgainstTheirDecodedForm() {
        try (RawWebSocket member = RawWebSocket.connect(herald)) {
            member.subscribePresence(Sdk.of(herald), "presence-signed", new PresenceUser("u1"));
            member.awaitEvent("pusher_internal:subscription_succeeded", "presence-signed");
            String path = "/apps/3/channels/presence-signed";
            Map<String, String> query = SIGNER.sign("GET", path,
                    Map.of("info", "user_count,subscription_count"), null, now());

            HttpResponse<String> encoded = get(path, RequestSigner.queryString(query, true));
            HttpResponse<String> raw = get(path, RequestSigner.queryString(query, false));

            assertThat(RequestSigner.queryString(query, true)).contains("info=user_count%2Csubscription_count");
            assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(200);
            assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
            JsonNode channel = Json.parse(encoded.body());
            assertThat(channel.path("user_count").asInt()).isEqualTo(1);
            assertThat(channel.path("subscription_count").asInt()).isEqualTo(1);
        }
    }

    @Test
    void acceptsTheSpecGetExampleSignedNow() {
        String path = "/apps/3/channels";
        Map<String, String> query = SIGNER.sign("GET", path,
                Map.of("filter_by_prefix", "presence-", "info", "user_count"), null, now());

        HttpResponse<String> response = get(path, RequestSigner.queryString(query, false));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Json.parse(response.body()).path("channels").isObject()).isTrue();
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static HttpResponse<String> post(String path, String body, Map<String, String> query) {
        return send(HttpRequest.newBuilder(herald.http(path + "?" + RequestSigner.queryString(query, true)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private static HttpResponse<String> get(String path, String rawQuery) {
        return send(HttpRequest.newBuilder(herald.http(path + "?" + rawQuery)).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void assertRefused(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertErrorBody(response);
    }

    private static void assertErrorBody(HttpResponse<String> response) {
        JsonNode body = Json.parse(response.body());
        assertThat(body.path("error").asText()).as("error body %s", response.body()).isNotBlank();
        assertThat(body.path("status").asInt()).as("error body %s", response.body()).isEqualTo(response.statusCode());
    }
}
