package dev.herald.example.ci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.example.ci.Model.Build;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The app's HTTP side without Herald (triggers fail quietly; nothing here needs them). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebAppTest {
    private final ObjectMapper json = new ObjectMapper();
    private CiDashboardApp app;
    private String base;

    @BeforeAll
    void start() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Config config =
                Config.parse(
                        new String[] {
                            "--port",
                            "0",
                            "--no-demo",
                            "--herald-port",
                            "" + deadPort,
                            "--jdbc-url",
                            "jdbc:h2:mem:webapp-test-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1"
                        },
                        Map.of());
        app = CiDashboardApp.start(config);
        base = app.baseUrl();
    }

    @AfterAll
    void stop() {
        app.close();
    }

    private long project(String name) throws Exception {
        return app.store().projectByName(name).orElseThrow().id();
    }

    @Test
    void pagesNeedALogin() throws Exception {
        WebClient anon = new WebClient(base);
        HttpResponse<String> r = anon.get("/");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).contains("/login");
        assertThat(anon.get("/login").body()).contains("Alice Archer", "Bob Baker", "Carol Chen");
        assertThat(anon.get("/api/builds").statusCode()).isEqualTo(401);
        assertThat(anon.get("/static/vendor/pusher.min.js").statusCode()).isEqualTo(200);
        assertThat(anon.get("/static/app.js").body()).contains("channelAuthorization");
        assertThat(anon.get("/static/../logback.xml").statusCode()).isEqualTo(404);
    }

    @Test
    void dashboardEmbedsThePusherSettingsAndOneChannelPerProject() throws Exception {
        WebClient alice = WebClient.loggedIn(base, "alice");
        String html = alice.get("/").body();
        assertThat(html)
                .contains(
                        "Recent builds",
                        "/static/vendor/pusher.min.js",
                        "\"key\":\"app-key\"",
                        "\"wsHost\":\"127.0.0.1\"");
        JsonNode cfg =
                json.readTree(
                        html.replaceAll(
                                        "(?s).*<script id=\"ci-config\" type=\"application/json\">",
                                        "")
                                .replaceAll("(?s)</script>.*", ""));
        assertThat(cfg.get("page").asText()).isEqualTo("dashboard");
        assertThat(cfg.get("projectIds")).hasSize(3);
        assertThat(html.split("<tr id=\"build-").length - 1).isEqualTo(10);
    }

    @Test
    void authEndpointSignsOnlyChannelsTheUserMaySee() throws Exception {
        WebClient carol = WebClient.loggedIn(base, "carol");
        String own = Publisher.projectChannel(project("payments-api"));
        HttpResponse<String> ok = carol.pusherAuth("123.456", own);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(json.readTree(ok.body()).get("auth").asText())
                .isEqualTo(Hmac.privateAuth("app-key", "app-secret", "123.456", own));

        Build foreign = app.store().buildsOfProject(project("herald-server"), 1).get(0);
        for (String channel :
                List.of(
                        Publisher.projectChannel(project("herald-server")),
                        Publisher.buildChannel(foreign.id()),
                        "private-build-999999",
                        "private-whatever",
                        "presence-x",
                        "private-project-1 ")) {
            HttpResponse<String> r = carol.pusherAuth("123.456", channel);
            assertThat(r.statusCode()).as(channel).isEqualTo(403);
            assertThat(r.body()).isEqualTo("Not authorized");
        }
        assertThat(new WebClient(base).pusherAuth("123.456", own).statusCode())
                .as("no session")
                .isEqualTo(403);
        assertThat(carol.pusherAuth("not-a-socket", own).statusCode()).isEqualTo(400);
    }

    @Test
    void foreignProjectsAndBuildsAreNotFound() throws Exception {
        WebClient carol = WebClient.loggedIn(base, "carol");
        Build foreign = app.store().buildsOfProject(project("herald-server"), 1).get(0);
        assertThat(carol.get("/projects/" + project("herald-server")).statusCode()).isEqualTo(404);
        assertThat(carol.get("/builds/" + foreign.id()).statusCode()).isEqualTo(404);
        assertThat(carol.get("/api/builds/" + foreign.id() + "/log").statusCode()).isEqualTo(404);
        JsonNode all = json.readTree(carol.get("/api/builds?since=0").body()).get("builds");
        assertThat(all).isNotEmpty();
        all.forEach(b -> assertThat(b.get("projectName").asText()).isEqualTo("payments-api"));
        assertThat(carol.get("/").body()).doesNotContain("herald-server");
    }

    @Test
    void logEndpointReturnsLinesAfterTheGivenOne() throws Exception {
        WebClient alice = WebClient.loggedIn(base, "alice");
        Build b = app.store().buildsOfProject(project("herald-server"), 1).get(0);
        JsonNode body = json.readTree(alice.get("/api/builds/" + b.id() + "/log?after=2").body());
        assertThat(body.get("build").get("id").asLong()).isEqualTo(b.id());
        assertThat(body.get("log").get("lines").get(0).get("n").asInt()).isEqualTo(3);
        assertThat(body.get("log").get("lines")).hasSize(b.lineCount() - 2);
        String page = alice.get("/builds/" + b.id()).body();
        assertThat(page).contains("id=\"log\"", "data-last-line=\"" + b.lineCount() + "\"");
    }

    @Test
    void servesHeraldsRecoveryAddOnFromTheRepositorysCopyAndLoadsItBetweenPusherJsAndTheApp()
            throws Exception {
        // one source: the build copies clients/pusher-js-recovery/index.js, nobody edits a copy
        Path repositoryCopy =
                Path.of(System.getProperty("basedir", "."))
                        .resolve("../../clients/pusher-js-recovery/index.js")
                        .normalize();
        HttpResponse<String> served = new WebClient(base).get(Pages.RECOVERY_SCRIPT);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type").orElse("")).contains("javascript");
        assertThat(served.body()).isEqualTo(Files.readString(repositoryCopy));

        String page = WebClient.loggedIn(base, "alice").get("/").body();
        int pusherJs = page.indexOf("/static/vendor/pusher.min.js");
        int addOn = page.indexOf(Pages.RECOVERY_SCRIPT);
        int appJs = page.indexOf("/static/app.js");
        assertThat(pusherJs).isPositive();
        assertThat(addOn).as("after pusher-js, before the app").isBetween(pusherJs, appJs);
    }
}
