package dev.herald.console;

import static dev.herald.console.EventStream.kind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's sign-in, its API and its debug stream, against a real node, over plain HTTP as a
 * script would use them (docs/console.md). The browser's walk through the page is {@code
 * ConsoleBrowserIT}.
 */
class ConsoleApiIT {

    static final String TOKEN = "console-token-0123456789";
    static final String OTHER_TOKEN = "another-token-9876543210";

    static HeraldProcess herald;
    static ConsoleClient console;

    @BeforeAll
    static void start() {
        herald = HeraldProcess.start("console-api", Map.of("HERALD_CONSOLE_TOKEN", TOKEN));
        console = new ConsoleClient(herald);
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
    }

    static Pusher sdk() {
        Pusher pusher = new Pusher(herald.appId(), herald.appKey(), herald.appSecret());
        pusher.setHost(HeraldProcess.HOST + ":" + herald.port());
        return pusher;
    }

    @Test
    void theTokenInTheAddressSignsInWithAScopedCookieAndLeavesTheAddress() {
        ConsoleClient.Answer a = console.get("/console/?token=" + TOKEN, Map.of());

        assertThat(a.status()).isEqualTo(303);
        assertThat(a.response().headers().firstValue("location")).contains("/console/");
        String cookie = a.response().headers().firstValue("set-cookie").orElseThrow();
        assertThat(cookie)
                .startsWith("herald_console=")
                .containsIgnoringCase("HttpOnly")
                .contains("SameSite=Strict")
                .contains("Path=/console")
                .doesNotContain(TOKEN);
        String session = cookie.substring(0, cookie.indexOf(';'));
        assertThat(console.get("/console/api/apps", Map.of("Cookie", session)).status())
                .isEqualTo(200);
        assertThat(console.get("/console/", Map.of("Cookie", session)).status()).isEqualTo(200);
        ConsoleClient.Answer bare = console.get("/console?token=" + TOKEN, Map.of());
        assertThat(bare.status()).isEqualTo(301);
        assertThat(bare.response().headers().firstValue("location"))
                .contains("/console/?token=" + TOKEN);
    }

    @Test
    void missingAndWrongTokensGet401() {
        assertThat(console.get("/console/api/apps", Map.of()).status()).isEqualTo(401);
        assertThat(console.get("/console/api/apps", ConsoleClient.bearer("wrong")).status())
                .isEqualTo(401);
        assertThat(
                        console.get("/console/api/apps", Map.of("Cookie", "herald_console=forged"))
                                .status())
                .isEqualTo(401);
        assertThat(console.get("/console/", Map.of()).status()).isEqualTo(401);
        assertThat(console.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).status())
                .isEqualTo(200);
    }

    @Test
    void aCookieOfAnOldTokenNoLongerSignsInAndGuessesAreRateLimited() {
        String oldCookie = console.signIn(TOKEN);
        try (HeraldProcess renewed =
                HeraldProcess.start(
                        "console-renewed", Map.of("HERALD_CONSOLE_TOKEN", OTHER_TOKEN))) {
            ConsoleClient other = new ConsoleClient(renewed);
            assertThat(other.get("/console/api/apps", Map.of("Cookie", oldCookie)).status())
                    .isEqualTo(401);
            assertThat(other.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).status())
                    .isEqualTo(401);

            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                statuses.add(other.get("/console/?token=guess-" + i, Map.of()).status());
            }
            assertThat(statuses).contains(429);
            // locked out for the minute, even with the right token
            assertThat(other.get("/console/api/apps", ConsoleClient.bearer(OTHER_TOKEN)).status())
                    .isEqualTo(200);
            assertThat(other.get("/console/?token=" + OTHER_TOKEN, Map.of()).status())
                    .isEqualTo(429);
        }
    }

    @Test
    void aPostFromTheBrowserNeedsTheCsrfValueAndTheConsolesOwnOrigin() {
        String cookie = console.signIn(TOKEN);
        String csrf =
                console.get("/console/api/session", Map.of("Cookie", cookie))
                        .json()
                        .get("csrf")
                        .asText();
        String event = "{\"channel\":\"news\",\"name\":\"hello\",\"data\":\"{}\"}";
        String path = "/console/api/apps/" + herald.appId() + "/events";
        Function<Map<String, String>, Integer> post = h -> console.post(path, event, h).status();

        assertThat(post.apply(Map.of("Cookie", cookie))).isEqualTo(403);
        assertThat(post.apply(Map.of("Cookie", cookie, "X-Herald-Csrf", "x" + csrf)))
                .isEqualTo(403);
        assertThat(
                        post.apply(
                                Map.of(
                                        "Cookie",
                                        cookie,
                                        "X-Herald-Csrf",
                                        csrf,
                                        "Sec-Fetch-Site",
                                        "cross-site")))
                .isEqualTo(403);
        assertThat(
                        post.apply(
                                Map.of(
                                        "Cookie",
                                        cookie,
                                        "X-Herald-Csrf",
                                        csrf,
                                        "Origin",
                                        "https://evil.example")))
                .isEqualTo(403);
        assertThat(
                        post.apply(
                                Map.of(
                                        "Cookie",
                                        cookie,
                                        "X-Herald-Csrf",
                                        csrf,
                                        "Origin",
                                        console.url(""))))
                .isEqualTo(200);
        // a script with the token carries no ambient credential: no CSRF value needed
        assertThat(post.apply(ConsoleClient.bearer(TOKEN))).isEqualTo(200);
        // reading is never a POST's job, and a change is never a GET's
        assertThat(console.get(path, ConsoleClient.bearer(TOKEN)).status()).isEqualTo(404);
    }

    @Test
    void inputsPastTheirBoundsAreRefusedWithWhy() {
        String app = "/console/api/apps/" + herald.appId();
        Map<String, String> auth = ConsoleClient.bearer(TOKEN);
        ConsoleClient.Answer prefix =
                console.get(app + "/channels?prefix=" + "p".repeat(201), auth);
        assertThat(prefix.status()).isEqualTo(400);
        assertThat(prefix.body()).contains("prefix");
        assertThat(console.get(app + "/channels?limit=1001", auth).status()).isEqualTo(400);
        assertThat(console.get(app + "/channels?limit=0", auth).status()).isEqualTo(400);
        assertThat(console.get(app + "/stats?span=week", auth).status()).isEqualTo(400);
        assertThat(console.get(app + "/channels/news/members", auth).status()).isEqualTo(400);
        ConsoleClient.Answer user =
                console.post(app + "/users/" + "u".repeat(201) + "/terminate", "", auth);
        assertThat(user.status()).isEqualTo(400);
        assertThat(user.body()).contains("200 characters");
        ConsoleClient.Answer unknown =
                console.get("/console/api/apps/" + "x".repeat(1_500) + "/overview", auth);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().length()).isLessThan(1_000);
        assertThat(console.post(app + "/events", "not json", auth).status()).isEqualTo(400);
    }

    @Test
    void appsFromTheConfigurationAreReadOnly() {
        JsonNode apps = console.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).json();
        assertThat(apps.get("editable").asBoolean()).isFalse();
        assertThat(apps.get("apps").get(0).get("source").asText()).isEqualTo("config");
        for (String change :
                List.of("/console/api/apps", "/console/api/apps/" + herald.appId() + "/disable")) {
            ConsoleClient.Answer a =
                    console.post(
                            change,
                            "{\"id\":\"x\",\"key\":\"y\",\"secret\":\"zzzzzzzzzzzzzzzzzz\"}",
                            ConsoleClient.bearer(TOKEN));
            assertThat(a.status()).as(change).isEqualTo(409);
            assertThat(a.body()).contains("read-only");
        }
    }

    @Test
    void noAnswerHoldsASecret() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(herald)) {
            ws.subscribeSigned(sdk(), "private-secret-check");
            String app = "/console/api/apps/" + herald.appId();
            List<String> bodies = new ArrayList<>();
            for (String path :
                    List.of(
                            "/console/api/session",
                            "/console/api/apps",
                            app + "/overview",
                            app + "/stats?span=hour",
                            app + "/stats?span=day",
                            app + "/channels",
                            app + "/users",
                            app + "/webhooks")) {
                ConsoleClient.Answer a = console.get(path, ConsoleClient.bearer(TOKEN));
                assertThat(a.status()).as(path).isEqualTo(200);
                bodies.add(a.body());
            }
            assertThat(bodies).noneMatch(b -> b.contains(herald.appSecret()));
            assertThat(bodies).noneMatch(b -> b.contains(TOKEN));
            assertThat(bodies.get(1)).contains("\"secret\":\"••••\"");
        }
    }

    @Test
    void theDebugStreamShowsConnectionsSubscriptionsApiMessagesAndClientEvents() throws Exception {
        try (EventStream stream = EventStream.open(herald.metricsPort(), herald.appId(), TOKEN)) {
            assertThat(stream.status).contains("200");
            RawWebSocket ws = RawWebSocket.connect(herald);
            String socket = ws.socketId();
            JsonNode connected =
                    stream.await(
                            "connected",
                            e ->
                                    kind("connected").test(e)
                                            && socket.equals(e.path("socket_id").asText()));
            assertThat(connected.path("details").path("address").asText()).contains("127.0.0.1");

            ws.subscribeSigned(sdk(), "private-build-7");
            stream.await(
                    "subscribed",
                    e ->
                            kind("subscribed").test(e)
                                    && e.path("channel").asText().equals("private-build-7"));

            sdk().trigger("private-build-7", "status", Map.of("state", "passed"), socket);
            JsonNode api = stream.await("api message", kind("api_message"));
            assertThat(api.path("channel").asText()).isEqualTo("private-build-7");
            assertThat(api.path("event").asText()).isEqualTo("status");
            assertThat(api.path("data").asText()).isEqualTo("{\"state\":\"passed\"}");
            assertThat(api.path("data_bytes").asInt()).isEqualTo(18);
            assertThat(api.path("details").path("excluded_socket").asText()).isEqualTo(socket);

            ws.sendJson(
                    Map.of(
                            "event",
                            "client-typing",
                            "channel",
                            "private-build-7",
                            "data",
                            Map.of("who", "ann")));
            JsonNode client = stream.await("client event", kind("client_event"));
            assertThat(client.path("event").asText()).isEqualTo("client-typing");
            assertThat(client.path("socket_id").asText()).isEqualTo(socket);

            String big = "x".repeat(5_000);
            sdk().trigger("private-build-7", "log", big);
            JsonNode cut =
                    stream.await(
                            "big api message",
                            e ->
                                    kind("api_message").test(e)
                                            && e.path("event").asText().equals("log"));
            assertThat(cut.path("data_bytes").asInt()).isEqualTo(5_002); // the JSON string's quotes
            assertThat(cut.path("data").asText()).hasSize(2_048);

            ws.sendJson(
                    Map.of(
                            "event",
                            "pusher:unsubscribe",
                            "data",
                            Map.of("channel", "private-build-7")));
            stream.await("unsubscribed", kind("unsubscribed"));
            ws.close();
            JsonNode closed =
                    stream.await(
                            "disconnected",
                            e ->
                                    kind("disconnected").test(e)
                                            && socket.equals(e.path("socket_id").asText()));
            assertThat(closed.path("details").path("code").asInt()).isPositive();
            assertThat(stream.events).allMatch(e -> e.path("app").asText().equals(herald.appId()));
        }
    }

    @Test
    void aViewerThatNeverReadsLosesEventsNotFanOut() throws Exception {
        int total = 3_000;
        String data = "y".repeat(8_000);
        try (EventStream stalled =
                        EventStream.open(
                                herald.metricsPort(), herald.appId(), TOKEN, false, 4_096);
                RawWebSocket subscriber = RawWebSocket.connect(herald)) {
            subscriber.subscribe("flood");
            subscriber.awaitEvent("pusher_internal:subscription_succeeded", "flood");
            Thread.sleep(200); // the stream is attached before the flood starts
            Pusher sdk = sdk();
            for (int i = 0; i < total; i++) {
                sdk.trigger("flood", "tick", data);
            }
            // every subscriber got every event while the viewer held back nothing
            for (int i = 0; i < total; i++) {
                subscriber.awaitEvent("tick", "flood");
            }

            stalled.startReading();
            sdk.trigger("flood", "last", "{}"); // carries the count of what was dropped
            stalled.await(
                    "the last event",
                    e -> e.path("event").asText().equals("last"),
                    Duration.ofSeconds(30));
            long shown =
                    stalled.events.stream()
                            .filter(e -> e.path("event").asText().equals("tick"))
                            .count();
            assertThat(stalled.droppedTotal()).isPositive();
            assertThat(shown + stalled.droppedTotal()).isEqualTo(total);
            assertThat(console.get("/metrics", Map.of()).body())
                    .containsPattern("herald_console_events_dropped_total [1-9]")
                    .contains("herald_console_viewers");
        }
    }

    @Test
    void eachNodeServesABoundedNumberOfViewers() throws Exception {
        List<EventStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                open.add(EventStream.open(herald.metricsPort(), herald.appId(), TOKEN));
            }
            assertThat(open).allMatch(s -> s.status.contains("200"));
            EventStream ninth = EventStream.open(herald.metricsPort(), herald.appId(), TOKEN);
            open.add(ninth);
            assertThat(ninth.status).contains("429");
            open.remove(0).close();
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(
                            () -> {
                                EventStream again =
                                        EventStream.open(
                                                herald.metricsPort(), herald.appId(), TOKEN);
                                open.add(again);
                                assertThat(again.status).contains("200");
                            });
        } finally {
            for (EventStream s : open) {
                s.close();
            }
        }
    }

    @Test
    void withoutATokenALoggedLinkAndHeraldConsoleLinkEachSignInOnce() throws Exception {
        try (HeraldProcess node = HeraldProcess.start("console-link")) {
            ConsoleClient c = new ConsoleClient(node);
            String logged =
                    log(node)
                            .lines()
                            .filter(l -> l.contains("/console/?link="))
                            .findFirst()
                            .orElseThrow();
            String loggedLink =
                    logged.substring(logged.indexOf("/console/?link=")).split("[ \\s]")[0];
            assertThat(c.get(loggedLink, Map.of()).status()).isEqualTo(303);
            assertThat(c.get(loggedLink, Map.of()).status()).isEqualTo(401);

            Process p =
                    new ProcessBuilder(
                                    ServerJar.javaBinary(),
                                    "-jar",
                                    ServerJar.snapshot().toString(),
                                    "console-link",
                                    "--metrics-port",
                                    Integer.toString(node.metricsPort()))
                            .redirectErrorStream(true)
                            .start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String printed =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(p.exitValue()).as(printed).isZero();
            String path = printed.substring(printed.indexOf("/console/"));
            ConsoleClient.Answer first = c.get(path, Map.of());
            assertThat(first.status()).isEqualTo(303);
            String cookie = first.response().headers().firstValue("set-cookie").orElseThrow();
            assertThat(
                            c.get(
                                            "/console/api/apps",
                                            Map.of(
                                                    "Cookie",
                                                    cookie.substring(0, cookie.indexOf(';'))))
                                    .status())
                    .isEqualTo(200);
            assertThat(c.get(path, Map.of()).status()).isEqualTo(401);
            assertThat(log(node)).doesNotContain(path);
        }
    }

    @Test
    void heraldConsoleFalseTurnsItOff() {
        try (HeraldProcess node =
                HeraldProcess.start(
                        "console-off",
                        Map.of("HERALD_CONSOLE", "false", "HERALD_CONSOLE_TOKEN", TOKEN))) {
            ConsoleClient c = new ConsoleClient(node);
            assertThat(c.get("/console/", Map.of()).status()).isEqualTo(404);
            assertThat(c.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).status())
                    .isEqualTo(404);
        }
    }

    private static String log(HeraldProcess node) throws IOException {
        return Files.readString(node.log());
    }
}
