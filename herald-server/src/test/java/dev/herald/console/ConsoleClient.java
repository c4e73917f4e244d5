package dev.herald.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The console's API over plain HTTP, as a script with curl would use it. */
final class ConsoleClient {

    record Answer(int status, String body, HttpResponse<String> response) {
        JsonNode json() {
            return Json.parse(body);
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private final String base;

    ConsoleClient(HeraldProcess herald) {
        this.base = "http://127.0.0.1:" + herald.metricsPort();
    }

    String url(String path) {
        return base + path;
    }

    Answer get(String path, Map<String, String> headers) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(req::header);
        return send(req);
    }

    Answer post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder req =
                HttpRequest.newBuilder(URI.create(base + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(req::header);
        return send(req);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** Signs in with the token in the URL, as a browser would, and returns the cookie header. */
    String signIn(String token) {
        Answer a = get("/console/?token=" + token, Map.of());
        if (a.status() != 303) {
            throw new AssertionError("sign-in answered " + a.status() + ": " + a.body());
        }
        String setCookie = a.response().headers().firstValue("set-cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private Answer send(HttpRequest.Builder req) {
        try {
            HttpResponse<String> res =
                    http.send(
                            req.timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Answer(res.statusCode(), res.body(), res);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
