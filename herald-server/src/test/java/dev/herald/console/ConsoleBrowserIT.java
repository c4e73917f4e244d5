package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.Browser;
import dev.herald.testing.ChannelRecorder;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.NodeSdk;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.TestApp;
import dev.herald.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console walked as a user would, in headless Chromium, against Herald from its jar: signing in
 * with the token link, the debug console, the event creator, channels and presence members, a
 * failing webhook and its replay, and the apps of a database. What the page shows is checked
 * against what the official clients (pusher-http-java, pusher-java-client) and the webhook receiver
 * saw.
 *
 * <p>Every test starts signed in afresh, with the window's page at 1366×768, and ends with an empty
 * browser console: a script error or a failed load on any view fails the test that caused it.
 * {@code -Dconsole.screenshots=docs/images} writes the overview and the debug console there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {

    private static final Duration WAIT = Browser.WAIT;
    private static final Dimension SCREEN = new Dimension(1366, 768);
    private static final String TOKEN = "console-it-" + hex(16);

    /** An app without webhooks: most tests use it. */
    private static final TestApp MAIN =
            new TestApp("console-main", "console-main-key", "console-main-secret");

    /** An app whose webhook target is the test's receiver. */
    private static final TestApp HOOKS =
            new TestApp("console-hooks", "console-hooks-key", "console-hooks-secret");

    private static final List<String> VIEWS =
            List.of("overview", "debug", "events", "channels", "webhooks", "apps");

    private final AtomicInteger names = new AtomicInteger();
    private final List<Client> clients = new CopyOnWriteArrayList<>();

    private Path configDir;
    private WebhookReceiver receiver;
    private HeraldProcess herald;
    private Browser browser;
    private String base;

    @BeforeAll
    void start() throws IOException {
        receiver = WebhookReceiver.start();
        configDir = Files.createTempDirectory("herald-console-it-");
        Path apps =
                Files.writeString(
                        configDir.resolve("apps.yaml"),
                        """
                        apps:
                          - id: %s
                            key: %s
                            secret: %s
                            client_events: true
                            user_authentication: true
                          - id: %s
                            key: %s
                            secret: %s
                            webhooks:
                              - url: %s
                        """
                                .formatted(
                                        MAIN.id(),
                                        MAIN.key(),
                                        MAIN.secret(),
                                        HOOKS.id(),
                                        HOOKS.key(),
                                        HOOKS.secret(),
                                        receiver.url()));
        herald =
                HeraldProcess.options("console")
                        .env("HERALD_CONFIG", apps.toString())
                        .env("HERALD_CONSOLE_TOKEN", TOKEN)
                        // apps in a database too, so that the console can create and change them
                        .env(
                                "HERALD_APPS_JDBC_URL",
                                "jdbc:h2:mem:console-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
                        .env("HERALD_WEBHOOK_BATCH_MAX_WAIT_MS", "100")
                        .env("HERALD_WEBHOOK_DEBOUNCE_MS", "200")
                        // a failing batch gives up after a few attempts
                        .env("HERALD_WEBHOOK_RETRY_FOR_SECONDS", "3")
                        .start();
        base = "http://" + HeraldProcess.HOST + ":" + herald.metricsPort() + "/console/";
        browser = Browser.start(SCREEN);
    }

    @BeforeEach
    void signIn() {
        browser.oneWindow();
        browser.clearCookies();
        browser.driver().get("about:blank");
        browser.viewport(SCREEN);
        browser.driver().get(base + "?token=" + TOKEN);
        await("redirected to the console without the token")
                .atMost(WAIT)
                .until(() -> browser.driver().getCurrentUrl().equals(base));
        awaitReady();
    }

    @AfterEach
    void noErrorsAndNoClientsLeft() {
        for (Client c : clients) {
            c.close();
        }
        clients.clear();
        assertThat(browser.consoleErrors()).as("the browser console's errors").isEmpty();
    }

    @AfterAll
    void stop() throws IOException {
        if (receiver != null) {
            receiver.failFirst(0); // nothing left failing for the graceful stop to wait on
        }
        for (AutoCloseable c : new AutoCloseable[] {browser, herald, receiver}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing " + c + ": " + e);
                }
            }
        }
        if (configDir != null) {
            Files.deleteIfExists(configDir.resolve("apps.yaml"));
            Files.deleteIfExists(configDir);
        }
    }

    // ---- signing in ------------------------------------------------------------------------

    @Test
    void theTokenLinkSignsInWithACookieAndLeavesTheAddress() {
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(TOKEN).isEqualTo(base);
        Cookie cookie = browser.driver().manage().getCookieNamed("herald_console");
        assertThat(cookie).as("the console's cookie").isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getPath()).isEqualTo("/console");
        assertThat(cookie.getValue()).doesNotContain(TOKEN);
        assertThat(text("#node-info")).startsWith("node ");

        // signed in by the cookie alone: a new page load needs no token
        browser.driver().navigate().refresh();
        awaitReady();
        assertThat(browser.driver().getCurrentUrl()).isEqualTo(base);
        assertThat(appChoices()).contains(MAIN.id(), HOOKS.id());
    }

    @Test
    void aSessionLostWhileOpenShowsHowToSignInAgain() {
        chooseApp(MAIN.id());
        openView("channels");
        awaitLoaded("channels");
        browser.clearCookies();
        click("#channels-refresh");
        awaitTrue(
                "the sign-in hint",
                "return !document.getElementById('signed-out').hidden"
                        + " && document.getElementById('tabs').hidden");
        assertThat(text("#signed-out")).contains("/console/?token=");
        assertThat(browser.jsString("return window.heraldConsole.view")).isEqualTo("signed-out");
        // the refused request is the only thing the browser reports
        assertThat(browser.consoleErrors()).allMatch(e -> e.contains("401"));
    }

    // ---- debug console ---------------------------------------------------------------------

    @Test
    void aTriggerFromTheServerSdkAppearsInTheDebugConsoleWithinASecond() {
        chooseApp(MAIN.id());
        openView("debug");
        awaitStreamLive();
        String channel = name("private-build");
        // the official node SDK, started and warmed up first: its start is not what is measured
        String warmUp = name("warm-up");
        try (NodeSdk sdk = NodeSdk.start(herald.port(), MAIN, warmUp)) {
            await("the warm-up message").atMost(WAIT).until(() -> rows(warmUp, "warm-up") == 1);

            long start = System.nanoTime();
            sdk.trigger(channel, "status", Map.of("state", "passed", "build", 42));
            await("the API message in the debug console")
                    .atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> rows(channel, "status") == 1);
            System.out.printf(
                    "node SDK trigger to debug row: %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);
        }
        Pusher sdk = sdk(MAIN);

        WebElement row = row(channel, "status");
        assertThat(row.getAttribute("data-kind")).isEqualTo("api_message");
        assertThat(row.findElement(By.cssSelector(".badge")).getText()).isEqualTo("api message");
        row.click();
        assertThat(text("#detail-title")).isEqualTo("status");
        assertThat(text("#detail-fields [data-field='channel']")).isEqualTo(channel);
        assertThat(text("#detail-data"))
                .as("pretty-printed JSON")
                .contains("\"state\": \"passed\"");
        assertThat(text("#detail-data-note")).isEqualTo("JSON");

        // filters: by channel, then by an event name nothing has
        type("#filter-channel", channel);
        assertThat(visibleRows()).isEqualTo(1);
        type("#filter-event", "no-such-event");
        assertThat(visibleRows()).isZero();
        assertThat(text("#debug-empty")).isEqualTo("No event matches the filters.");
        clearField("#filter-event");
        assertThat(visibleRows()).isEqualTo(1);

        // paused: what arrives waits, and shows up on resume
        click("#debug-pause");
        assertThat(text("#debug-pause")).isEqualTo("Resume");
        ok(sdk.trigger(channel, "log", Map.of("line", "compiling")));
        await("counted while paused")
                .atMost(WAIT)
                .until(() -> text("#debug-pause").equals("Resume (1 new)"));
        assertThat(rows(channel, "log")).isZero();
        click("#debug-pause");
        assertThat(rows(channel, "log")).isEqualTo(1);

        click("#debug-clear");
        assertThat(visibleRows()).isZero();
        assertThat(text("#debug-count")).isEqualTo("0 events");
    }

    @Test
    void aFloodPastTheStreamsBoundShowsHowManyEventsWereDropped() throws InterruptedException {
        chooseApp(MAIN.id());
        openView("debug");
        awaitStreamLive();
        String channel = name("flood");
        Pusher sdk = sdk(MAIN);
        ok(sdk.trigger(channel, "warm-up", Map.of()));
        await("the warm-up message").atMost(WAIT).until(() -> rows(channel, "warm-up") == 1);

        // 1,000 events in batches of 10, faster than a stream's 200 a second
        int sent = 0;
        for (int batch = 0; batch < 100; batch++) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                events.add(new Event(channel, "tick", Map.of("n", sent++)));
            }
            ok(sdk.trigger(events));
        }
        // the count of what was dropped comes with the next event the stream takes
        Thread.sleep(1100); // let the stream's rate bucket refill
        ok(sdk.trigger(channel, "after", Map.of()));
        await("the event after the flood").atMost(WAIT).until(() -> rows(channel, "after") == 1);

        long shown = rows(channel, "tick");
        long dropped = browser.jsLong("return window.heraldConsole.stream.dropped;");
        assertThat(shown).as("some ticks were dropped").isLessThan(sent);
        assertThat(dropped).as("and counted").isGreaterThanOrEqualTo(sent - shown);
        assertThat(text("#debug-dropped"))
                .isEqualTo(" · " + String.format("%,d", dropped) + " dropped");
        assertThat(find("#debug-dropped").isDisplayed()).isTrue();
    }

    @Test
    void aClientsConnectionSubscriptionAndClientEventShowInTheDebugConsole() {
        chooseApp(MAIN.id());
        openView("debug");
        awaitStreamLive();
        String channel = name("presence-debug");
        Client ada = connect(MAIN, "ada", Map.of("name", "Ada"));
        String socketId = ada.socketId();
        ChannelRecorder room = ada.subscribePresence(channel);
        Client bob = connect(MAIN, "bob", Map.of("name", "Bob"));
        ChannelRecorder bobRoom = bob.subscribePresence(channel);
        ada.pusher.getPresenceChannel(channel).trigger("client-typing", "{\"typing\":true}");
        bobRoom.awaitEvent("client-typing");
        assertThat(room.succeeded).isTrue();

        type("#filter-socket", socketId);
        await("ada's connection, subscription and client event")
                .atMost(WAIT)
                .until(
                        () ->
                                kindsShown()
                                        .containsAll(
                                                List.of(
                                                        "connected",
                                                        "subscribed",
                                                        "client_event")));
        WebElement event = row(channel, "client-typing");
        event.click();
        assertThat(text("#detail-fields [data-field='socket id']")).isEqualTo(socketId);
        assertThat(text("#detail-fields [data-field='user id']")).isEqualTo("ada");
        assertThat(text("#detail-data")).contains("\"typing\": true");

        ada.close();
        await("ada's disconnection")
                .atMost(WAIT)
                .until(() -> kindsShown().contains("disconnected"));
    }

    // ---- event creator ---------------------------------------------------------------------

    @Test
    void anEventFromTheEventCreatorReachesAPusherClientButNotTheExcludedOne() {
        chooseApp(MAIN.id());
        String channel = name("creator");
        Client reader = connect(MAIN, "reader", Map.of());
        ChannelRecorder got = reader.subscribe(channel);
        Client excluded = connect(MAIN, "excluded", Map.of());
        ChannelRecorder notForMe = excluded.subscribe(channel);

        openView("events");
        type("#event-channel", channel);
        type("#event-name", "greeting");
        type("#event-data", "{\"text\": \"from the console\", \"n\": 1}");
        type("#event-socket", excluded.socketId());
        click("#event-send");
        await("sent").atMost(WAIT).until(() -> "ok".equals(attr("#event-result", "data-state")));

        PusherEvent event = got.awaitEvent("greeting");
        assertThat(Json.parse(event.getData()).path("text").asText()).isEqualTo("from the console");

        // a second one without exclusion: the excluded client gets only that one, in order
        clearField("#event-socket");
        type("#event-data", "{\"text\": \"for everyone\", \"n\": 2}");
        click("#event-send");
        notForMe.awaitEvent("greeting");
        assertThat(notForMe.events("greeting"))
                .extracting(e -> Json.parse(e.getData()).path("n").asInt())
                .containsExactly(2);
        await().atMost(WAIT).until(() -> got.events("greeting").size() == 2);
        assertThat(text("#event-history")).contains(channel);

        // refused in the page, before any request: data that is not JSON
        long loads = loads();
        type("#event-data", "{not json");
        click("#event-send");
        assertThat(attr("#event-result", "data-state")).isEqualTo("error");
        assertThat(text("#event-result")).startsWith("Data is not valid JSON");
        assertThat(loads()).isEqualTo(loads);
    }

    // ---- channels and users ----------------------------------------------------------------

    @Test
    void aPresenceMemberAppearsInChannelsAndASignedInUserCanBeTerminated() {
        chooseApp(MAIN.id());
        String channel = name("presence-lobby");
        String ada = name("ada");
        connect(MAIN, ada, Map.of("name", "Ada Lovelace")).subscribePresence(channel);

        openView("channels");
        type("#channel-prefix", channel);
        await("the presence channel listed")
                .atMost(WAIT)
                .until(() -> count("#channels-table tr[data-channel='" + channel + "']") == 1);
        String row = "#channels-table tr[data-channel='" + channel + "']";
        assertThat(text(row + " .badge")).isEqualTo("presence");
        click(row);
        await("ada in the members")
                .atMost(WAIT)
                .until(() -> count("#members-list [data-member='" + ada + "']") == 1);
        assertThat(text("#members-list [data-member='" + ada + "']")).contains("Ada Lovelace");

        // a second member, seen on the next refresh
        String grace = name("grace");
        Client second = connect(MAIN, grace, Map.of("name", "Grace Hopper"));
        second.subscribePresence(channel);
        click("#channels-refresh");
        await("grace in the members")
                .atMost(WAIT)
                .until(() -> count("#members-list [data-member='" + grace + "']") == 1);
        assertThat(text("#members-count")).isEqualTo("2 members");

        // a signed-in user, terminated from the console after a confirmation
        String user = name("signed");
        Client signed = connect(MAIN, user, Map.of());
        signed.signIn(user);
        click("#channels-refresh");
        String userRow = "#users-table tr[data-user='" + user + "']";
        await("the signed-in user listed").atMost(WAIT).until(() -> count(userRow) == 1);
        click(userRow + " [data-test='terminate']");
        awaitTrue("the confirmation", "return document.getElementById('confirm').open");
        click("#confirm-cancel");
        assertThat(signed.state()).isEqualTo(ConnectionState.CONNECTED);
        click(userRow + " [data-test='terminate']");
        awaitTrue("the confirmation", "return document.getElementById('confirm').open");
        click("#confirm-ok");
        await("the user's connection closed by the server")
                .atMost(WAIT)
                .until(() -> signed.state() != ConnectionState.CONNECTED);
        click("#channels-refresh");
        await("the user gone from the list").atMost(WAIT).until(() -> count(userRow) == 0);
    }

    // ---- webhooks ----------------------------------------------------------------------------

    @Test
    void aFailingWebhookShowsItsAttemptsAndIsDeliveredWhenReplayed() {
        receiver.failAlways();
        try {
            chooseApp(HOOKS.id());
            String channel = name("hooked");
            Client client = connect(HOOKS, "hooks-user", Map.of());
            client.subscribe(channel);
            await("the receiver answered 500 a few times")
                    .atMost(WAIT)
                    .until(
                            () ->
                                    receiver.deliveries().stream()
                                                    .filter(d -> d.body().contains(channel))
                                                    .count()
                                            >= 2);

            openView("webhooks");
            // one row per batch, its attempts counted as they are made
            String target = "[data-test='webhook-target'][data-url='" + receiver.url() + "']";
            String failing = target + " tr[data-status='500']";
            await("the failing batch and its attempts")
                    .atMost(WAIT)
                    .until(
                            () -> {
                                click("#webhooks-refresh");
                                return texts(failing + " [data-field='attempt']").stream()
                                        .anyMatch(a -> Integer.parseInt(a) >= 2);
                            });
            assertThat(texts(failing + " .badge")).contains("500");

            // retries used up (3 s): the batch is failed, and can be replayed
            String replay = "#failed-table [data-test='replay']:not([disabled])";
            await("a failed batch to replay")
                    .atMost(WAIT)
                    .until(
                            () -> {
                                click("#webhooks-refresh");
                                return count(replay) >= 1;
                            });
            receiver.failFirst(receiver.deliveries().size()); // the target works again
            // every failed batch of this app, so the one about the channel is among them
            List<String> batches =
                    browser.driver().findElements(By.cssSelector(replay)).stream()
                            .map(
                                    b ->
                                            b.findElement(By.xpath("./ancestor::tr"))
                                                    .getAttribute("data-batch"))
                            .toList();
            for (String batch : batches) {
                long replays = browser.jsLong("return window.heraldConsole.replays;");
                String button = "#failed-table tr[data-batch='" + batch + "'] [data-test='replay']";
                if (count(button + ":not([disabled])") == 1) {
                    click(button);
                    await("batch " + batch + " replayed")
                            .atMost(WAIT)
                            .until(
                                    () ->
                                            browser.jsLong("return window.heraldConsole.replays;")
                                                    == replays + 1);
                }
            }
            JsonNode occupied = receiver.awaitEvent("channel_occupied", channel);
            assertThat(occupied.path("channel").asText()).isEqualTo(channel);
            await("the replay shown delivered")
                    .atMost(WAIT)
                    .until(
                            () -> {
                                click("#webhooks-refresh");
                                return count(
                                                target
                                                        + " tr[data-status='200'][data-outcome='delivered']")
                                        >= 1;
                            });
            assertThat(texts(target + " tr[data-status='200'] .badge.accent")).contains("replay");
        } finally {
            receiver.failFirst(0);
        }
    }

    @Test
    void anAppWithoutWebhooksSaysSo() {
        chooseApp(MAIN.id());
        openView("webhooks");
        awaitLoaded("webhooks");
        assertThat(find("#webhooks-none").isDisplayed()).isTrue();
        assertThat(count("[data-test='webhook-target']")).isZero();
    }

    // ---- apps --------------------------------------------------------------------------------

    @Test
    void anAppCreatedRotatedAndDisabledInTheConsoleIsServedThatWay() {
        openView("apps");
        awaitTrue(
                "the apps listed",
                "return document.querySelectorAll('#apps-table tr[data-app]').length > 0");
        assertThat(texts("#apps-table [data-test='app-secret']")).containsOnly("••••");
        assertThat(find("#app-create-card").isDisplayed()).as("apps are editable").isTrue();

        String id = name("made-here");
        type("#app-id", id);
        String key = find("#app-key").getAttribute("value");
        assertThat(key).matches("[0-9a-f]{20}");
        click("#app-fields-box summary");
        new Select(find("#app-fields [data-setting='client_events']")).selectByValue("false");
        type("#app-fields [data-setting='max_connections']", "50");
        click("#app-create");
        String secret = shownSecret();
        assertThat(secret).matches("[0-9a-f]{40}");
        click("#secret-done");
        assertThat(text("#secret-value")).as("shown once").isEmpty();
        assertThat(browser.jsString("return document.body.innerText")).doesNotContain(secret);
        String row = "#apps-table tr[data-app='" + id + "']";
        await("the new app listed").atMost(WAIT).until(() -> count(row) == 1);
        assertThat(text(row + " [data-test='app-secret']")).isEqualTo("••••");
        assertThat(text(row + " [data-setting='client_events']")).isEqualTo("false");
        assertThat(text(row + " [data-setting='max_connections']")).isEqualTo("50");
        assertThat(text(row + " [data-setting='max_event_bytes']")).isEqualTo("10240");

        // the secret the browser made and showed is the one the server signs with
        TestApp made = new TestApp(id, key, secret);
        awaitTrigger(made, 200);

        click(row + " [data-test='app-rotate']");
        click("#confirm-ok");
        String rotated = shownSecret();
        assertThat(rotated).matches("[0-9a-f]{40}").isNotEqualTo(secret);
        click("#secret-done");
        awaitTrigger(new TestApp(id, key, rotated), 200);
        awaitTrigger(made, 401);

        click(row + " [data-test='app-disable']");
        click("#confirm-ok");
        await("shown disabled").atMost(WAIT).until(() -> "false".equals(attr(row, "data-enabled")));
        awaitTrigger(new TestApp(id, key, rotated), 403);
        click(row + " [data-test='app-enable']");
        await("shown enabled").atMost(WAIT).until(() -> "true".equals(attr(row, "data-enabled")));
        awaitTrigger(new TestApp(id, key, rotated), 200);
    }

    // ---- every view, at 1366x768, without errors; the screenshots -------------------------------

    @Test
    void everyViewOfEveryAppLoadsWithoutErrorsAndFitsTheScreen() {
        for (String app : List.of(MAIN.id(), HOOKS.id())) {
            chooseApp(app);
            for (String view : VIEWS) {
                openView(view);
                awaitLoaded(view);
                assertThat(browser.consoleErrors())
                        .as("browser console on %s of %s", view, app)
                        .isEmpty();
                assertThat(browser.jsLong("return document.documentElement.scrollWidth;"))
                        .as("%s of %s fits 1366 px without scrolling sideways", view, app)
                        .isLessThanOrEqualTo(SCREEN.width);
            }
        }
    }

    @Test
    void overviewAndDebugConsoleWithTraffic() throws Exception {
        chooseApp(MAIN.id());
        Path dir = screenshots();
        // some clients, channels and messages, so that the numbers, charts and list have content
        List<Client> crowd = new ArrayList<>();
        String[] users = {"ada", "grace", "alan", "barbara", "edsger", "margaret"};
        for (int i = 0; i < users.length; i++) {
            Client c =
                    connect(
                            MAIN,
                            users[i] + "-" + names.incrementAndGet(),
                            Map.of("name", users[i]));
            c.subscribe("build-" + (40 + i % 3));
            c.subscribePresence("presence-team");
            crowd.add(c);
        }
        openView("debug");
        awaitStreamLive();
        Pusher sdk = sdk(MAIN);
        // long enough for a few 10 s samples when the pictures are wanted
        long until =
                System.nanoTime()
                        + (dir != null ? Duration.ofSeconds(60) : Duration.ofSeconds(3)).toNanos();
        int n = 0;
        while (System.nanoTime() < until) {
            n++;
            ok(
                    sdk.trigger(
                            "build-" + (40 + n % 3),
                            "status",
                            Map.of(
                                    "build",
                                    40 + n % 3,
                                    "state",
                                    n % 4 == 0 ? "failed" : "passed",
                                    "step",
                                    n)));
            if (n % 3 == 0) {
                crowd.get(n % crowd.size())
                        .pusher
                        .getPresenceChannel("presence-team")
                        .trigger("client-typing", "{\"typing\":true}");
            }
            Thread.sleep(150);
        }
        await("the messages in the list").atMost(WAIT).until(() -> rows("build-40", "status") > 0);
        String latest = "#debug-rows tr[data-kind='api_message']";
        find(latest).click();
        assertThat(text("#detail-data")).contains("\"state\"");
        if (dir != null) {
            Thread.sleep(1500); // the newest rows' highlight fades
            browser.screenshot(dir.resolve("console-debug.png"));
        }

        openView("overview");
        awaitLoaded("overview");
        assertThat(Long.parseLong(text("#stat-connections").replace(",", "")))
                .isGreaterThanOrEqualTo(users.length);
        assertThat(count("#chart-connections .uplot")).isEqualTo(1);
        assertThat(count("#chart-messages .uplot")).isEqualTo(1);
        assertThat(count("#nodes-table tbody tr[data-node]")).isEqualTo(1);
        click("#span-day");
        awaitTrue(
                "the day's chart",
                "return document.getElementById('chart-messages-note').textContent.indexOf('minute') >= 0");
        click("#span-hour");
        awaitTrue(
                "the hour's chart",
                "return document.getElementById('chart-messages-note').textContent.indexOf('10 s') >= 0");
        if (dir != null) {
            Thread.sleep(400); // the charts' first paint
            browser.screenshot(dir.resolve("console-overview.png"));
        }
    }

    /**
     * Where {@code -Dconsole.screenshots} asks for the pictures, a relative path taken from the
     * repository's root (the module's parent); null when none are asked for.
     */
    private static Path screenshots() {
        String asked = System.getProperty("console.screenshots");
        if (asked == null || asked.isBlank()) {
            return null;
        }
        Path dir = Path.of(asked);
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        return dir.isAbsolute() ? dir : module.getParent().resolve(dir);
    }

    // ---- the page ----------------------------------------------------------------------------

    private void awaitReady() {
        awaitTrue("console ready", "return !!(window.heraldConsole && window.heraldConsole.ready)");
    }

    private void awaitTrue(String what, String script) {
        browser.awaitTrue(what, script);
    }

    private List<String> appChoices() {
        return new Select(find("#app-picker"))
                .getOptions().stream().map(o -> o.getAttribute("value")).toList();
    }

    private void chooseApp(String id) {
        if (!id.equals(browser.jsString("return window.heraldConsole.app"))) {
            new Select(find("#app-picker")).selectByValue(id);
        }
        awaitTrue("app " + id, "return window.heraldConsole.app === '" + id + "'");
    }

    private void openView(String view) {
        click("#tab-" + view);
        awaitTrue(
                "view " + view,
                "return window.heraldConsole.view === '"
                        + view
                        + "' && !document.getElementById('view-"
                        + view
                        + "').hidden");
    }

    /** Waits until the view has shown an answer of the server (those that load one). */
    private void awaitLoaded(String view) {
        switch (view) {
            case "overview", "channels", "webhooks" ->
                    awaitTrue(
                            view + " loaded",
                            "return !!document.getElementById('view-" + view + "').dataset.loaded");
            case "apps" ->
                    awaitTrue(
                            "apps loaded",
                            "return document.querySelectorAll('#apps-table tr[data-app]').length > 0");
            case "debug" -> awaitStreamLive();
            default -> {}
        }
    }

    private void awaitStreamLive() {
        awaitTrue("debug stream live", "return window.heraldConsole.stream.state === 'live'");
    }

    private WebElement find(String css) {
        return browser.driver().findElement(By.cssSelector(css));
    }

    private long count(String css) {
        return browser.driver().findElements(By.cssSelector(css)).size();
    }

    private String text(String css) {
        return (String)
                browser.js(
                        "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                        css);
    }

    /** The texts of what {@code css} finds, read at once (lists re-render as they refresh). */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>)
                browser.js(
                        "return Array.from(document.querySelectorAll(arguments[0]))"
                                + ".map(function (e) { return e.textContent.trim(); });",
                        css);
    }

    private String attr(String css, String name) {
        return find(css).getAttribute(name);
    }

    /**
     * Clicks what {@code css} finds; lists that refresh themselves may replace it between finding
     * and clicking, so it is found again then.
     */
    private void click(String css) {
        await("click " + css)
                .atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(
                        () -> {
                            find(css).click();
                            return true;
                        });
    }

    private void type(String css, String text) {
        WebElement e = find(css);
        e.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        e.sendKeys(text);
    }

    private void clearField(String css) {
        find(css).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
    }

    private long loads() {
        return browser.jsLong("return window.heraldConsole.loads;");
    }

    private long rows(String channel, String event) {
        return count("#debug-rows tr[data-channel='" + channel + "'][data-event='" + event + "']");
    }

    private WebElement row(String channel, String event) {
        return find("#debug-rows tr[data-channel='" + channel + "'][data-event='" + event + "']");
    }

    private long visibleRows() {
        return count("#debug-rows tr");
    }

    @SuppressWarnings("unchecked")
    private List<String> kindsShown() {
        return (List<String>)
                browser.js(
                        "return Array.from(document.querySelectorAll('#debug-rows tr')).map(function (r) { return r.dataset.kind; });");
    }

    private String shownSecret() {
        awaitTrue(
                "the secret shown",
                "return document.getElementById('secret-dialog').open && document.getElementById('secret-value').textContent.length > 0");
        return text("#secret-value");
    }

    // ---- the official clients ------------------------------------------------------------------

    private String name(String prefix) {
        return prefix + "-" + names.incrementAndGet() + "-" + hex(3);
    }

    private Pusher sdk(TestApp app) {
        Pusher pusher = new Pusher(app.id(), app.key(), app.secret());
        pusher.setHost(HeraldProcess.HOST + ":" + herald.port());
        pusher.setRequestTimeout(10_000);
        return pusher;
    }

    private static Result ok(Result result) {
        assertThat(result.getHttpStatus()).as(result.getMessage()).isEqualTo(200);
        return result;
    }

    /**
     * Waits until a trigger signed as {@code app} gets {@code status} (app changes take seconds).
     */
    private void awaitTrigger(TestApp app, int status) {
        Pusher pusher = sdk(app);
        await("trigger as " + app.id() + " answered " + status)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> pusher.trigger("probe", "probe", Map.of()).getHttpStatus() == status);
    }

    private Client connect(TestApp app, String userId, Map<String, ?> info) {
        Client client = new Client(app, userId, info);
        clients.add(client);
        client.connect();
        return client;
    }

    /** One pusher-java-client connection; its authorizers sign as the app's server would. */
    private final class Client implements AutoCloseable {
        final com.pusher.client.Pusher pusher;
        final List<ConnectionStateChange> states = new CopyOnWriteArrayList<>();

        Client(TestApp app, String userId, Map<String, ?> info) {
            Pusher signer = sdk(app);
            String userData = Json.write(Map.of("id", userId));
            PusherOptions options =
                    new PusherOptions()
                            .setHost(HeraldProcess.HOST)
                            .setWsPort(herald.port())
                            .setUseTLS(false)
                            .setChannelAuthorizer(
                                    (channel, socketId) ->
                                            channel.startsWith("presence-")
                                                    ? signer.authenticate(
                                                            socketId,
                                                            channel,
                                                            new PresenceUser(userId, info))
                                                    : signer.authenticate(socketId, channel))
                            .setUserAuthenticator(
                                    socketId ->
                                            Json.write(
                                                    Map.of(
                                                            "auth",
                                                            RawWebSocket.userAuth(
                                                                    app.key(),
                                                                    app.secret(),
                                                                    socketId,
                                                                    userData),
                                                            "user_data",
                                                            userData)));
            pusher = new com.pusher.client.Pusher(app.key(), options);
        }

        void connect() {
            pusher.connect(
                    new ConnectionEventListener() {
                        @Override
                        public void onConnectionStateChange(ConnectionStateChange change) {
                            states.add(change);
                        }

                        @Override
                        public void onError(String message, String code, Exception e) {}
                    },
                    ConnectionState.ALL);
            await("connected").atMost(WAIT).until(() -> state() == ConnectionState.CONNECTED);
        }

        ConnectionState state() {
            return pusher.getConnection().getState();
        }

        String socketId() {
            return pusher.getConnection().getSocketId();
        }

        ChannelRecorder subscribe(String channel) {
            ChannelRecorder recorder = new ChannelRecorder(channel, WAIT);
            pusher.subscribe(channel, recorder).bindGlobal(recorder);
            recorder.awaitSubscribed();
            return recorder;
        }

        ChannelRecorder subscribePresence(String channel) {
            ChannelRecorder recorder = new ChannelRecorder(channel, WAIT);
            pusher.subscribePresence(channel, recorder).bindGlobal(recorder);
            recorder.awaitSubscribed();
            return recorder;
        }

        void signIn(String userId) {
            pusher.signin();
            await("signed in as " + userId)
                    .atMost(WAIT)
                    .until(() -> userId.equals(pusher.user().userId()));
        }

        @Override
        public void close() {
            if (state() != ConnectionState.DISCONNECTED) {
                pusher.disconnect();
                await("disconnected")
                        .atMost(WAIT)
                        .until(() -> state() == ConnectionState.DISCONNECTED);
            }
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
