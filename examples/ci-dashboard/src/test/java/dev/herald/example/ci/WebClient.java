package dev.herald.example.ci;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** A cookie-keeping HTTP client for the dashboard, as one logged-in person. */
final class WebClient {
    private final String base;
    private final HttpClient http;

    WebClient(String base) {
        this.base = base;
        this.http =
                HttpClient.newBuilder()
                        .cookieHandler(new CookieManager())
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
    }

    static WebClient loggedIn(String base, String login) throws IOException, InterruptedException {
        WebClient c = new WebClient(base);
        HttpResponse<String> r = c.postForm("/login", Map.of("user", login));
        if (r.statusCode() != 303) {
            throw new IllegalStateException("login as " + login + " failed: " + r.statusCode());
        }
        return c;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postForm(String path, Map<String, String> form)
            throws IOException, InterruptedException {
        String body =
                new LinkedHashMap<>(form)
                        .entrySet().stream()
                                .map(
                                        e ->
                                                URLEncoder.encode(
                                                                e.getKey(), StandardCharsets.UTF_8)
                                                        + "="
                                                        + URLEncoder.encode(
                                                                e.getValue(),
                                                                StandardCharsets.UTF_8))
                                .collect(Collectors.joining("&"));
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What pusher-js sends to the auth endpoint. */
    HttpResponse<String> pusherAuth(String socketId, String channel)
            throws IOException, InterruptedException {
        return postForm("/pusher/auth", Map.of("socket_id", socketId, "channel_name", channel));
    }
}
