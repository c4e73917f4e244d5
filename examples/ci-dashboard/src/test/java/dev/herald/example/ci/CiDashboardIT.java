package dev.herald.example.ci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.example.ci.BuildRunner.Script;
import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogLine;
import dev.herald.example.ci.Model.Status;
import dev.herald.testing.Browser;
import dev.herald.testing.HeraldProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * End to end in headless Chromium: Herald from its jar, the dashboard in-process on H2, and the
 * official pusher-js with Herald's recovery add-on in the page talking to Herald, authorized by the
 * app's /pusher/auth. Herald keeps history for the build and project channels as run.sh starts it;
 * the browser reaches it through a {@link NetworkProxy} that a test can cut.
 *
 * <p>Every test stands alone, in any order. Shared by the class are only what is slow to start: the
 * Herald process, the app with its demo users, projects and access rights (seeded at start, never
 * changed by a test) and one browser process per person. Each test gets a fresh session and window
 * in those browsers, makes the builds it looks at and finds them by their ids; after it, no build
 * of it is still running and Herald is up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CiDashboardIT {
    private static final Duration WAIT = DashboardBrowser.WAIT;
    private static final Path TARGET =
            Path.of(System.getProperty("screenshots.dir", "target/screenshots")).getParent();
    private static final Path SCREENSHOTS =
            Path.of(System.getProperty("screenshots.dir", "target/screenshots"));

    private static final String[] BRANCHES = {"main", "feature/live-logs", "fix/retry-backoff"};
    private static final String[] MESSAGES = {
        "Stream build output to the dashboard",
        "Retry uploads with backoff",
        "Show build duration on project page",
        "Cache dependencies between builds",
        "Tidy up logging"
    };
    private static final String[] AUTHORS = {"Alice Archer", "Bob Baker", "Carol Chen"};

    /** Events Herald keeps per channel, as run.sh sets them: a build log fits. */
    private static final int HISTORY_SIZE = 1000;

    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger scriptCount = new AtomicInteger();

    /** Gates of the current test, opened after it in case it failed before opening them itself. */
    private final List<CountDownLatch> gates = new ArrayList<>();

    private boolean heraldStopped;
    private HeraldProcess herald;
    private NetworkProxy network;
    private Pusher heraldApi;
    private CiDashboardApp app;
    private String base;
    private DashboardBrowser alice;
    private DashboardBrowser carol;

    @BeforeAll
    void start() throws Exception {
        herald =
                HeraldProcess.options("ci-dashboard")
                        .env("HERALD_APP_HISTORY_CHANNELS", "private-build-,private-project-")
                        .env("HERALD_APP_HISTORY_SIZE", Integer.toString(HISTORY_SIZE))
                        .env("HERALD_APP_HISTORY_TTL_SECONDS", "600")
                        .log(TARGET.resolve("herald-it.log"))
                        .start();
        network = new NetworkProxy(herald.port());
        heraldApi =
                new Pusher(HeraldProcess.APP_ID, HeraldProcess.APP_KEY, HeraldProcess.APP_SECRET);
        heraldApi.setHost(HeraldProcess.HOST + ":" + herald.port());
        heraldApi.setEncrypted(false);
        app =
                CiDashboardApp.start(
                        Config.parse(
                                new String[] {
                                    "--port",
                                    "0",
                                    "--no-demo",
                                    "--line-interval-ms",
                                    "80",
                                    "--herald-host",
                                    "127.0.0.1",
                                    "--herald-port",
                                    Integer.toString(herald.port()),
                                    // the browser's way to Herald, through the network a test
                                    // can cut; the app's triggers go straight to Herald
                                    "--herald-ws-port",
                                    Integer.toString(network.port()),
                                    "--jdbc-url",
                                    "jdbc:h2:mem:ci-dashboard-it-"
                                            + System.nanoTime()
                                            + ";DB_CLOSE_DELAY=-1"
                                },
                                Map.of()));
        base = app.baseUrl();
        alice = DashboardBrowser.start();
        carol = DashboardBrowser.start();
    }

    @BeforeEach
    void freshSessions() {
        alice.freshSession(base, "alice");
        carol.freshSession(base, "carol");
    }

    /** Leaves nothing behind for the next test: no build that could still push, Herald running. */
    @AfterEach
    void settle() throws Exception {
        gates.forEach(CountDownLatch::countDown);
        gates.clear();
        network.restore();
        if (heraldStopped) {
            herald.restart(); // stops first: a start that failed half-way may have left a process
            // behind
            heraldStopped = false;
        }
        await("builds of the test finished")
                .atMost(WAIT)
                .until(() -> app.runner().runningBuilds() == 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (heraldApi != null) {
            heraldApi.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {alice, carol, app, network, herald}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing " + c + ": " + e);
                }
            }
        }
    }

    // ---- 1. a runner build on the dashboard, its log streaming into the build page ------------

    @Test
    void runnerBuildAppearsOnTheDashboardAndItsLogStreamsIntoTheBuildPage() throws Exception {
        alice.open(base + "/");
        alice.markDocument();
        String dashboard = alice.driver.getWindowHandle();
        long dashboardFetches = alice.fetches();

        CountDownLatch gate = gate();
        List<String> lines = lines("stream", 16);
        Build build =
                app.runner()
                        .start(
                                project("herald-server"),
                                script(lines, Status.success, 150).withGate(gate));

        await("new build row on the dashboard")
                .atMost(WAIT)
                .until(() -> "running".equals(alice.rowStatus(build.id())));
        assertThat(alice.js("return document.querySelector('#builds tbody tr').id"))
                .isEqualTo("build-" + build.id());

        alice.newWindow(base + "/builds/" + build.id());
        alice.markDocument();
        long buildFetches = alice.fetches();
        assertThat(lineCount(alice)).isZero();

        gate.countDown();
        Set<Long> seenCounts = new TreeSet<>();
        await("all lines and the final status on the build page")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(40))
                .until(
                        () -> {
                            seenCounts.add(lineCount(alice));
                            return lineCount(alice) == lines.size()
                                    && "success".equals(buildStatus(alice));
                        });
        assertThat(seenCounts)
                .as("lines arrived in several pushes, not at once")
                .hasSizeGreaterThan(3);
        assertThat(logTexts(alice)).containsExactlyElementsOf(lines);
        assertThat(alice.sameDocument()).as("the build page never navigated").isTrue();
        assertThat(alice.fetches())
                .as("no fetch while streaming: the content came in the events")
                .isEqualTo(buildFetches);
        assertThat(alice.events()).isGreaterThanOrEqualTo(lines.size() / 2 + 1);
        alice.screenshot(SCREENSHOTS.resolve("build-page.png"));
        alice.driver.close();

        alice.driver.switchTo().window(dashboard);
        await("status change on the dashboard")
                .atMost(WAIT)
                .until(() -> "success".equals(alice.rowStatus(build.id())));
        assertThat(alice.sameDocument()).as("the dashboard never navigated").isTrue();
        assertThat(alice.fetches()).isEqualTo(dashboardFetches);
    }

    // ---- 2. no access, no signature, no builds -------------------------------------------------

    @Test
    void userWithoutAccessGets403AndNeverSeesTheProjectsBuilds() throws Exception {
        long forbiddenProject = project("herald-server");
        long ownProject = project("payments-api");
        String forbiddenChannel = Publisher.projectChannel(forbiddenProject);
        String ownChannel = Publisher.projectChannel(ownProject);

        carol.open(base + "/");
        carol.markDocument();
        assertThat(subscribedChannels(carol)).containsExactly(ownChannel);
        String socketId = (String) carol.js("return ciDash.pusher.connection.socket_id;");

        // Directly over HTTP, with carol's and alice's sessions and without one.
        WebClient carolHttp = WebClient.loggedIn(base, "carol");
        HttpResponse<String> refused = carolHttp.pusherAuth(socketId, forbiddenChannel);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("Not authorized");
        Build foreignBuild =
                finishedBuild(forbiddenProject, Status.success, System.currentTimeMillis());
        assertThat(
                        carolHttp
                                .pusherAuth(socketId, Publisher.buildChannel(foreignBuild.id()))
                                .statusCode())
                .isEqualTo(403);
        assertThat(new WebClient(base).pusherAuth(socketId, ownChannel).statusCode())
                .isEqualTo(403);
        HttpResponse<String> granted = carolHttp.pusherAuth(socketId, ownChannel);
        assertThat(granted.statusCode()).isEqualTo(200);
        assertThat(json.readTree(granted.body()).get("auth").asText())
                .isEqualTo(Hmac.privateAuth("app-key", "app-secret", socketId, ownChannel));
        assertThat(
                        WebClient.loggedIn(base, "alice")
                                .pusherAuth(socketId, forbiddenChannel)
                                .statusCode())
                .isEqualTo(200);

        // From the page: the browser's own request, and pusher-js asked to subscribe anyway.
        assertThat(
                        carol.jsLong(
                                "var x = new XMLHttpRequest(); x.open('POST', '/pusher/auth', false);"
                                        + "x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');"
                                        + "x.send('socket_id=' + encodeURIComponent(ciDash.pusher.connection.socket_id)"
                                        + " + '&channel_name=' + arguments[0]); return x.status;",
                                forbiddenChannel))
                .isEqualTo(403);
        carol.js(
                "window.__forbidden = null; ciDash.pusher.subscribe(arguments[0])"
                        + ".bind('pusher:subscription_error', function (e) { window.__forbidden = e; });",
                forbiddenChannel);
        await("subscription refused")
                .atMost(WAIT)
                .until(() -> carol.js("return window.__forbidden") != null);
        assertThat(carol.jsLong("return window.__forbidden.status;")).isEqualTo(403);
        assertThat(carol.js("return window.__forbidden.type;")).isEqualTo("AuthError");
        assertThat(
                        carol.js(
                                "return ciDash.pusher.channel(arguments[0]).subscribed;",
                                forbiddenChannel))
                .isEqualTo(false);

        // Builds in both projects: alice sees the forbidden one (so it was pushed), carol never
        // does.
        alice.open(base + "/");
        Build forbidden =
                app.runner()
                        .start(forbiddenProject, script(lines("secret", 6), Status.success, 60));
        Build own = app.runner().start(ownProject, script(lines("mine", 6), Status.failed, 60));
        await("alice sees the herald-server build finish")
                .atMost(WAIT)
                .until(() -> "success".equals(alice.rowStatus(forbidden.id())));
        await("carol sees her own build finish")
                .atMost(WAIT)
                .until(() -> "failed".equals(carol.rowStatus(own.id())));
        await().atMost(WAIT)
                .until(() -> app.store().build(forbidden.id()).orElseThrow().status().finished());
        Thread.sleep(500);
        assertThat(carol.rowStatus(forbidden.id())).isNull();
        assertThat((String) carol.js("return document.body.innerText;"))
                .doesNotContain("herald-server", "secret");
        assertThat(carol.sameDocument()).isTrue();
        assertThat(carolHttp.get("/builds/" + forbidden.id()).statusCode()).isEqualTo(404);
        assertThat(carolHttp.get("/api/builds/" + forbidden.id() + "/log").statusCode())
                .isEqualTo(404);
    }

    // ---- 3. one dashboard, two projects at once ------------------------------------------------

    @Test
    void dashboardReflectsTwoProjectsAtOnce() throws Exception {
        long heraldServer = project("herald-server");
        long webFrontend = project("web-frontend");
        long paymentsApi = project("payments-api");
        // A history of its own below the two new rows, so that the table is full whatever ran
        // before.
        long now = System.currentTimeMillis();
        long[] history = {
            heraldServer,
            webFrontend,
            paymentsApi,
            heraldServer,
            webFrontend,
            heraldServer,
            paymentsApi,
            webFrontend
        };
        for (int i = 0; i < history.length; i++) {
            finishedBuild(
                    history[i],
                    i % 3 == 1 ? Status.failed : Status.success,
                    now - (history.length - i) * 6 * 60_000L);
        }
        alice.open(base + "/");
        alice.markDocument();
        long fetches = alice.fetches();
        long events = alice.events();
        assertThat(subscribedChannels(alice))
                .containsExactlyInAnyOrder(
                        Publisher.projectChannel(heraldServer),
                        Publisher.projectChannel(webFrontend),
                        Publisher.projectChannel(paymentsApi));

        CountDownLatch gate = gate();
        Build a =
                app.runner()
                        .start(
                                heraldServer,
                                realistic(heraldServer, Status.success, 80).withGate(gate));
        Build b =
                app.runner()
                        .start(
                                webFrontend,
                                realistic(webFrontend, Status.failed, 60).withGate(gate));
        await("both new builds running")
                .atMost(WAIT)
                .until(
                        () ->
                                "running".equals(alice.rowStatus(a.id()))
                                        && "running".equals(alice.rowStatus(b.id())));
        assertThat(projectCardStatus(alice, heraldServer)).isEqualTo("running");
        assertThat(projectCardStatus(alice, webFrontend)).isEqualTo("running");
        assertThat(alice.jsLong("return document.querySelectorAll('#builds tbody tr').length;"))
                .isEqualTo(10);
        Thread.sleep(1500); // let the highlight of the new rows fade
        alice.driver.manage().window().setSize(new Dimension(1280, 1040));
        Path shot = alice.screenshot(SCREENSHOTS.resolve("dashboard-two-projects.png"));
        alice.driver.manage().window().setSize(Browser.DEFAULT_SIZE);
        // The README's copy changes only on request: ./mvnw ... verify
        // -Dupdate.readme.screenshot=true
        String readme = System.getProperty("readme.screenshot");
        if (readme != null && Boolean.getBoolean("update.readme.screenshot")) {
            Files.createDirectories(Path.of(readme).getParent());
            Files.copy(shot, Path.of(readme), StandardCopyOption.REPLACE_EXISTING);
        }

        gate.countDown();
        await("both builds finished on the dashboard")
                .atMost(WAIT)
                .until(
                        () ->
                                "success".equals(alice.rowStatus(a.id()))
                                        && "failed".equals(alice.rowStatus(b.id())));
        assertThat(projectCardStatus(alice, heraldServer)).isEqualTo("success");
        assertThat(projectCardStatus(alice, webFrontend)).isEqualTo("failed");
        assertThat(alice.sameDocument()).isTrue();
        assertThat(alice.fetches()).isEqualTo(fetches);
        assertThat(alice.events() - events).as("2 created + 2 updated").isEqualTo(4);
        alice.screenshot(SCREENSHOTS.resolve("dashboard-finished.png"));
    }

    // ---- 4. Herald restarts: its history is gone, the pages hear so and catch up once ---------

    @Test
    void afterHeraldRestartsThePagesAreToldOfTheGapFetchWhatTheyMissedOnceAndContinueLive()
            throws Exception {
        long heraldServer = project("herald-server");
        CountDownLatch gate = gate();
        List<String> lines = lines("reconnect", 10);
        Build build =
                app.runner().start(heraldServer, script(lines, Status.success, 60).withGate(gate));

        alice.open(base + "/");
        alice.markDocument();
        String dashboard = alice.driver.getWindowHandle();
        long dashboardFetches = alice.fetches();
        alice.newWindow(base + "/builds/" + build.id());
        alice.markDocument();
        String buildPage = alice.driver.getWindowHandle();
        long buildFetches = alice.fetches();

        long t0 = System.nanoTime();
        heraldStopped = true;
        herald.stop();
        System.out.printf("herald stopped in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        await("page noticed the lost connection")
                .atMost(WAIT)
                .until(
                        () ->
                                !"connected"
                                        .equals(
                                                alice.js(
                                                        "return ciDash.pusher.connection.state;")));
        gate.countDown();
        await().atMost(WAIT)
                .until(() -> app.store().build(build.id()).orElseThrow().status().finished());
        Build missed =
                app.runner().start(heraldServer, script(lines("missed", 3), Status.failed, 20));
        await().atMost(WAIT)
                .until(() -> app.store().build(missed.id()).orElseThrow().status().finished());
        assertThat(lineCount(alice)).as("nothing can arrive while Herald is down").isZero();

        t0 = System.nanoTime();
        herald.restart();
        heraldStopped = false;
        System.out.printf("herald started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        alice.awaitLive();
        System.out.printf("page live again in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        await("missed lines fetched after the reconnect")
                .atMost(WAIT)
                .until(
                        () ->
                                lineCount(alice) == lines.size()
                                        && "success".equals(buildStatus(alice)));
        assertThat(logTexts(alice)).containsExactlyElementsOf(lines);
        assertThat(alice.fetches()).as("one catch-up fetch").isEqualTo(buildFetches + 1);
        // a single node keeps history in memory: the restart lost it, and Herald says so
        assertThat(alice.syncs()).containsExactly("subscribed", "gap");
        assertThat(alice.stat("gaps")).isEqualTo(1);
        assertThat(alice.stat("recovered")).isZero();
        assertThat(alice.sameDocument()).isTrue();

        alice.driver.switchTo().window(dashboard);
        alice.awaitLive();
        await("missed build on the dashboard")
                .atMost(WAIT)
                .until(
                        () ->
                                "failed".equals(alice.rowStatus(missed.id()))
                                        && "success".equals(alice.rowStatus(build.id())));
        assertThat(alice.fetches())
                .as("one catch-up for the gaps of its three channels")
                .isEqualTo(dashboardFetches + 1);
        assertThat(alice.stat("gaps")).isEqualTo(3);
        assertThat(alice.syncs()).containsExactly("subscribed", "gap");
        assertThat(alice.sameDocument()).isTrue();

        // ...and live again after the catch-up.
        Build after =
                app.runner().start(heraldServer, script(lines("after", 3), Status.success, 20));
        await("live again").atMost(WAIT).until(() -> "success".equals(alice.rowStatus(after.id())));
        assertThat(alice.fetches()).isEqualTo(dashboardFetches + 1);
        alice.driver.switchTo().window(buildPage);
        alice.driver.close();
        alice.driver.switchTo().window(dashboard);
    }

    // ---- 5. the Start build button --------------------------------------------------------------

    @Test
    void startBuildButtonOnTheProjectPageRunsABuildThatStreamsIn() throws Exception {
        long webFrontend = project("web-frontend");
        alice.open(base + "/projects/" + webFrontend);
        alice.markDocument();
        long fetches = alice.fetches();
        long newest = newestBuildId(webFrontend);

        alice.driver.findElement(By.cssSelector("#start-build button")).click();
        await("the started build arrives through Herald")
                .atMost(WAIT)
                .until(
                        () -> {
                            long latest = newestBuildId(webFrontend);
                            return latest > newest && alice.rowStatus(latest) != null;
                        });
        Build started = app.store().build(newestBuildId(webFrontend)).orElseThrow();
        assertThat(started.author()).isEqualTo("Alice Archer");
        assertThat(alice.js("return document.querySelector('#builds tbody tr').id"))
                .isEqualTo("build-" + started.id());
        await("and finishes")
                .atMost(WAIT)
                .until(() -> app.store().build(started.id()).orElseThrow().status().finished());
        String result = app.store().build(started.id()).orElseThrow().status().name();
        await().atMost(WAIT).until(() -> result.equals(alice.rowStatus(started.id())));
        assertThat(alice.sameDocument()).isTrue();
        assertThat(alice.fetches()).isEqualTo(fetches);
        assertThat(alice.driver.getCurrentUrl()).isEqualTo(base + "/projects/" + webFrontend);
    }

    // ---- 6. the network drops in the middle of a log: Herald replays it, nothing is fetched ---

    @Test
    void aConnectionCutMidLogIsReplayedWithoutAFetchAndNoLineIsMissingOrDoubled() throws Exception {
        CountDownLatch gate = gate();
        List<String> lines = lines("outage", 240);
        Build build =
                app.runner()
                        .start(
                                project("herald-server"),
                                script(lines, Status.success, 40).withGate(gate));
        alice.open(base + "/builds/" + build.id());
        alice.markDocument();
        long fetches = alice.fetches();
        String firstSocket = alice.socketId();

        gate.countDown();
        await("lines streaming in").atMost(WAIT).until(() -> lineCount(alice) >= 30);
        network.cut();
        await("the page lost its connection")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !"connected".equals(alice.connectionState()));
        long shownAtCut = lineCount(alice);
        int storedAtCut = storedLines(build);
        await("the page trying to reconnect while the network is down")
                .atMost(WAIT)
                .until(() -> network.held() > 0);
        await("lines published during the outage")
                .atMost(WAIT)
                .until(() -> storedLines(build) >= storedAtCut + 40);
        assertThat(lineCount(alice)).as("nothing arrives while down").isEqualTo(shownAtCut);

        int storedAtRestore = storedLines(build);
        network.restore();
        alice.awaitLive();
        await("the whole log and the final status")
                .atMost(WAIT)
                .until(
                        () ->
                                finished(build)
                                        && lineCount(alice) == lines.size()
                                        && "success".equals(buildStatus(alice)));
        assertThat(storedAtRestore)
                .as("lines were still being published while the page reconnected")
                .isLessThan(lines.size() - 20);

        assertLogIsTheStoredOne(build);
        assertThat(alice.stat("events"))
                .as("each event the build channel recorded was handled once, live or replayed")
                .isEqualTo(recordedEvents(build));
        assertThat(alice.fetches())
                .as("no refetch: Herald replayed what was missed")
                .isEqualTo(fetches);
        assertThat(alice.syncs()).containsExactly("subscribed");
        assertThat(alice.stat("refetches")).isZero();
        assertThat(alice.stat("gaps")).isZero();
        assertThat(alice.stat("reconnects")).isEqualTo(1);
        assertThat(alice.stat("recovered")).isEqualTo(1);
        assertThat(alice.stat("replayed")).isPositive();
        assertThat(alice.socketId()).as("a new connection").isNotEqualTo(firstSocket);
        assertThat(alice.sameDocument()).isTrue();
        System.out.printf(
                "cut mid-log: %d of %d lines shown at the cut, %d stored at the restore; %s%n",
                shownAtCut,
                lines.size(),
                storedAtRestore,
                alice.js("return JSON.stringify(ciDash.stats);"));
        alice.screenshot(SCREENSHOTS.resolve("build-page-recovered.png"));
    }

    // ---- 7. an outage longer than the history: a gap, one refetch, the log still whole -------

    @Test
    void anOutageLongerThanTheHistoryEndsInOneRefetchAndTheLogIsStillWhole() throws Exception {
        CountDownLatch gate = gate();
        // one or two lines an event, as fast as the runner goes: over HISTORY_SIZE events after
        // the first few
        List<String> lines = lines("flood", HISTORY_SIZE * 2 + 400);
        Build build =
                app.runner()
                        .start(
                                project("herald-server"),
                                script(lines, Status.failed, 0).withGate(gate));
        alice.open(base + "/builds/" + build.id());
        alice.markDocument();
        long fetches = alice.fetches();

        gate.countDown();
        await("the first lines")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(5))
                .until(() -> lineCount(alice) > 0);
        network.cut();
        await("the page trying to reconnect while the network is down")
                .atMost(WAIT)
                .until(() -> network.held() > 0);
        long shownAtCut = lineCount(alice);
        await("the build finished while the page was away")
                .atMost(WAIT)
                .until(() -> finished(build));
        assertThat(shownAtCut).isLessThan(lines.size() - 2L * HISTORY_SIZE);

        network.restore();
        alice.awaitLive();
        await("the whole log and the final status")
                .atMost(WAIT)
                .until(
                        () ->
                                lineCount(alice) == lines.size()
                                        && "failed".equals(buildStatus(alice)));
        assertLogIsTheStoredOne(build);
        assertThat(alice.stat("gaps")).isEqualTo(1);
        assertThat(alice.js("return ciDash.gaps[0].channel;"))
                .isEqualTo(Publisher.buildChannel(build.id()));
        // trimmed by size (Herald's words for it), not a history lost some other way
        assertThat((String) alice.js("return ciDash.gaps[0].reason;")).contains("no longer kept");
        assertThat(alice.syncs()).containsExactly("subscribed", "gap");
        assertThat(alice.fetches()).as("one refetch, for the gap").isEqualTo(fetches + 1);
        assertThat(alice.stat("refetches")).isEqualTo(1);
        assertThat(alice.stat("recovered")).isZero();
        assertThat(alice.sameDocument()).isTrue();
        System.out.printf(
                "outage past the history: %d of %d lines shown at the cut; %s%n",
                shownAtCut, lines.size(), alice.js("return JSON.stringify(ciDash.gaps);"));
    }

    // ---- 8. what the app never got to Herald: nothing replays it, the line numbers tell -------

    @Test
    void linesWhoseTriggersNeverReachedHeraldAreFetchedWhenAHoleOrTheFinishedRowShowsThem()
            throws Exception {
        Build build =
                app.store()
                        .createBuild(
                                project("payments-api"),
                                "main",
                                "5e1f00d",
                                "Lose a few triggers",
                                "Alice Archer",
                                System.currentTimeMillis());
        // the app's own way to Herald, beside the runner: the test decides what gets published
        try (Publisher publisher = new Publisher(app.config(), json)) {
            alice.open(base + "/builds/" + build.id());
            alice.markDocument();
            long fetches = alice.fetches();

            publisher.logLines(build.id(), append(build, "one", "two"));
            await("two lines").atMost(WAIT).until(() -> lineCount(alice) == 2);
            append(build, "three"); // stored, its trigger lost
            publisher.logLines(build.id(), append(build, "four"));
            await("the hole filled").atMost(WAIT).until(() -> lineCount(alice) == 4);

            append(build, "five", "six"); // lost at the end: no later line shows a hole
            publisher.buildUpdated(
                    app.store().finish(build.id(), Status.success, System.currentTimeMillis()));
            await("the tail fetched")
                    .atMost(WAIT)
                    .until(() -> lineCount(alice) == 6 && "success".equals(buildStatus(alice)));

            assertLogIsTheStoredOne(build);
            assertThat(alice.syncs()).containsExactly("subscribed", "lines", "lines");
            assertThat(alice.fetches()).isEqualTo(fetches + 2);
            assertThat(alice.stat("gaps")).isZero();
            assertThat(alice.sameDocument()).isTrue();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private List<LogLine> append(Build build, String... lines) throws Exception {
        return app.store().appendLines(build.id(), List.of(lines), System.currentTimeMillis());
    }

    private int storedLines(Build build) throws Exception {
        return app.store().linesAfter(build.id(), 0).size();
    }

    private boolean finished(Build build) throws Exception {
        return app.store().build(build.id()).orElseThrow().status().finished();
    }

    /** The page shows the build's whole log from the store, lines 1 to N, each once, in order. */
    private void assertLogIsTheStoredOne(Build build) throws Exception {
        List<LogLine> stored = app.store().linesAfter(build.id(), 0);
        assertThat(logTexts(alice))
                .containsExactlyElementsOf(stored.stream().map(LogLine::text).toList());
        assertThat(lineNumbers(alice))
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, stored.size()).mapToObj(n -> (long) n).toList());
    }

    /** How many events Herald recorded on the build's channel, from its history API. */
    private long recordedEvents(Build build) throws Exception {
        Result r =
                heraldApi.get(
                        "/channels/" + Publisher.buildChannel(build.id()) + "/events",
                        Map.of("limit", "1000"));
        assertThat(r.getStatus()).as(r.getMessage()).isEqualTo(Result.Status.SUCCESS);
        JsonNode page = json.readTree(r.getMessage());
        assertThat(page.get("more").asBoolean()).isFalse();
        return page.get("events").size();
    }

    private long project(String name) throws Exception {
        return app.store().projectByName(name).orElseThrow().id();
    }

    /** 0 when the project has no build yet. */
    private long newestBuildId(long projectId) throws Exception {
        return app.store().buildsOfProject(projectId, 1).stream()
                .mapToLong(Build::id)
                .findFirst()
                .orElse(0);
    }

    private CountDownLatch gate() {
        CountDownLatch gate = new CountDownLatch(1);
        gates.add(gate);
        return gate;
    }

    /**
     * A build that finished at {@code finishedAt}, written straight to the store with made-up
     * output and nothing pushed. Never give it a time to come: pages catch up from the newest
     * change they know.
     */
    private Build finishedBuild(long projectId, Status result, long finishedAt) throws Exception {
        Model.Project p = app.store().project(projectId).orElseThrow();
        Script s =
                BuildRunner.randomScript(
                        p, AUTHORS[scriptCount.incrementAndGet() % AUTHORS.length], 0);
        long startedAt = finishedAt - ThreadLocalRandom.current().nextLong(40_000, 180_000);
        Build b =
                app.store()
                        .createBuild(
                                projectId,
                                s.branch(),
                                s.commit(),
                                s.message(),
                                s.author(),
                                result,
                                startedAt,
                                finishedAt);
        app.store()
                .appendLines(
                        b.id(),
                        BuildRunner.output(p, s.branch(), s.commit(), s.message(), result),
                        finishedAt);
        return b;
    }

    private Script script(List<String> lines, Status result, long intervalMillis) {
        int n = scriptCount.incrementAndGet();
        return new Script(
                BRANCHES[n % BRANCHES.length],
                String.format("%07x", 0x3fa7c00 + n * 4099),
                MESSAGES[n % MESSAGES.length],
                AUTHORS[n % AUTHORS.length],
                lines,
                intervalMillis,
                result,
                null);
    }

    /** A build with made-up Maven output (used where the screenshot shows it). */
    private Script realistic(long projectId, Status result, long intervalMillis) throws Exception {
        Model.Project p = app.store().project(projectId).orElseThrow();
        Script s = BuildRunner.randomScript(p, "Alice Archer", intervalMillis).withResult(result);
        return new Script(
                s.branch(),
                s.commit(),
                s.message(),
                s.author(),
                BuildRunner.output(p, s.branch(), s.commit(), s.message(), result),
                intervalMillis,
                result,
                null);
    }

    private static List<String> lines(String tag, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add("[INFO] " + tag + " step " + i + " of " + count + " <ok> & done");
        }
        return out;
    }

    private static long lineCount(DashboardBrowser b) {
        return b.jsLong("return document.querySelectorAll('#log .line').length;");
    }

    private static String buildStatus(DashboardBrowser b) {
        return (String) b.js("return document.getElementById('build-status').dataset.status;");
    }

    @SuppressWarnings("unchecked")
    private static List<String> logTexts(DashboardBrowser b) {
        return (List<String>)
                b.js(
                        "return Array.from(document.querySelectorAll('#log .line .tx'))"
                                + ".map(function (e) { return e.textContent; });");
    }

    @SuppressWarnings("unchecked")
    private static List<Long> lineNumbers(DashboardBrowser b) {
        return ((List<Object>)
                        b.js(
                                "return Array.from(document.querySelectorAll('#log .line'))"
                                        + ".map(function (e) { return Number(e.dataset.n); });"))
                .stream().map(v -> ((Number) v).longValue()).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> subscribedChannels(DashboardBrowser b) {
        return (List<String>)
                b.js(
                        "return ciDash.pusher.allChannels().filter(function (c) { return c.subscribed; })"
                                + ".map(function (c) { return c.name; });");
    }

    private static String projectCardStatus(DashboardBrowser b, long projectId) {
        return (String)
                b.js(
                        "var e = document.querySelector('#project-' + arguments[0] + ' .badge');"
                                + " return e ? e.textContent : null;",
                        projectId);
    }
}
