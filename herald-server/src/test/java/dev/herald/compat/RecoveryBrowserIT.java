package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.herald.testing.Browser;
import dev.herald.testing.CuttableProxy;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Results;
import dev.herald.testing.TestApp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Recovery (docs/recovery.md) in a real browser: headless Chromium loads pusher-js (the web build
 * of the npm package the node tests install) and the herald-recovery add-on ({@code
 * clients/pusher-js-recovery/index.js}) as plain scripts, as a page of an app would, and reaches
 * Herald through a TCP proxy written here that cuts every connection and refuses new ones until
 * restored. pusher-http-java publishes 100 events during the outage and 100 more while the page
 * reconnects: the page's {@code channel.bind} handler gets all of them once, in order, and the gap
 * signal stays silent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecoveryBrowserIT {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final TestApp APP = TestApp.DEFAULT;
    private static final Path BASEDIR =
            Paths.get(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path PUSHER_JS =
            BASEDIR.resolve("src/test/node/node_modules/pusher-js/dist/web/pusher.min.js");
    private static final Path ADDON =
            BASEDIR.resolve("../clients/pusher-js-recovery/index.js").normalize();

    private Path configDir;
    private HeraldProcess herald;
    private CuttableProxy proxy;
    private HttpServer pages;
    private Browser browser;
    private Pusher sdk;

    @BeforeAll
    void start() throws IOException {
        assertThat(PUSHER_JS)
                .as("pusher-js from npm: run `npm ci` in src/test/node (Maven does)")
                .exists();
        assertThat(ADDON).exists();
        configDir = Files.createTempDirectory("herald-recovery-it-");
        Path apps =
                Files.writeString(
                        configDir.resolve("apps.yaml"),
                        """
                        apps:
                          - id: %s
                            key: %s
                            secret: %s
                            history:
                              - channels: "history-"
                                size: 1000
                                ttl_seconds: 600
                        """
                                .formatted(APP.id(), APP.key(), APP.secret()));
        herald =
                HeraldProcess.options("recovery-browser")
                        .env("HERALD_CONFIG", apps.toString())
                        .start();
        sdk = Sdk.of(herald);
        proxy = CuttableProxy.to(herald.port());
        pages = HttpServer.create(new InetSocketAddress(HeraldProcess.HOST, 0), 0);
        pages.createContext(
                "/pusher.min.js", e -> serve(e, Files.readAllBytes(PUSHER_JS), "text/javascript"));
        pages.createContext(
                "/herald-recovery.js", e -> serve(e, Files.readAllBytes(ADDON), "text/javascript"));
        pages.createContext(
                "/",
                e -> serve(e, page().getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8"));
        pages.start();
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws IOException {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (pages != null) {
                pages.stop(0);
            }
            if (proxy != null) {
                proxy.close();
            }
            if (herald != null) {
                herald.close();
            }
            if (configDir != null) {
                try (var files = Files.walk(configDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void twoHundredEventsAcrossAnOutageReachThePageOnceEachInOrder() {
        String channel = "history-browser-" + ProcessHandle.current().pid();
        browser.driver()
                .get(
                        "http://%s:%d/?key=%s&port=%d&channel=%s"
                                .formatted(
                                        HeraldProcess.HOST,
                                        pages.getAddress().getPort(),
                                        APP.key(),
                                        proxy.port(),
                                        channel));
        awaitTrue("the fresh subscription's position", "return window.recovered.length === 1;");
        assertThat(browser.jsString("return JSON.stringify(window.recovered[0]);"))
                .contains("\"gap\":false")
                .contains("\"history\":true");

        publish(channel, 1, 5);
        awaitTrue("5 live events", "return window.got.length === 5;");
        String firstSocket = browser.jsString("return window.pusher.connection.socket_id;");

        proxy.cut();
        // Chromium's pusher-js tries again a second later and is refused; its next try is 15 s on
        await("a refused reconnection").atMost(WAIT).until(() -> proxy.refused() > 0);
        publish(channel, 6, 105);
        assertThat(browser.jsLong("return window.got.length;")).isEqualTo(5);
        proxy.restore();
        publish(channel, 106, 155);
        // pusher-js tries again 15 s after the refused attempt (30 s after a second refusal)
        awaitTrue(
                Duration.ofSeconds(100),
                "the page connected again",
                "return window.pusher.connection.state === 'connected' && "
                        + "window.pusher.connection.socket_id !== arguments[0];",
                firstSocket);
        publish(channel, 156, 205);

        awaitTrue("205 events", "return window.got.length >= 205;");
        Results.ok(sdk.trigger(channel, "marker", Map.of()));
        awaitTrue("the marker after them", "return window.markers === 1;");
        List<Long> expected = IntStream.rangeClosed(1, 205).mapToObj(i -> (long) i).toList();
        assertThat(gotValues()).isEqualTo(expected);
        assertThat(browser.jsString("return JSON.stringify(window.gaps);")).isEqualTo("[]");
        assertThat(browser.jsLong("return window.recovered.length;")).isEqualTo(2);
        assertThat(browser.jsString("return JSON.stringify(window.recovered[1]);"))
                .contains("\"gap\":false");
        assertThat(browser.jsLong("return window.recovered[1].replayed;"))
                .isGreaterThanOrEqualTo(100);
        assertThat(browser.jsString("return window.sentRecovery;"))
                .as("the resubscription's request")
                .contains("\"socket_ids\":[\"" + firstSocket + "\"]")
                .contains("\"position\":");
        // Chromium reports the refused WebSocket connection; nothing else may be an error
        assertThat(
                        browser.consoleErrors().stream()
                                .filter(e -> !e.contains("WebSocket connection to"))
                                .collect(Collectors.toList()))
                .isEmpty();
    }

    @SuppressWarnings("unchecked")
    private List<Long> gotValues() {
        return ((List<Object>) browser.js("return window.got;"))
                .stream().map(v -> ((Number) v).longValue()).toList();
    }

    private void awaitTrue(String what, String script, Object... args) {
        awaitTrue(WAIT, what, script, args);
    }

    private void awaitTrue(Duration atMost, String what, String script, Object... args) {
        await(what + " (proxy refused " + proxy.refused() + ")")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> Boolean.TRUE.equals(browser.js(script, args)));
    }

    /**
     * Publishes events {@code from..to} in batches of ten (the order of a batch is kept): quick
     * enough that an outage ends before pusher-js's next attempt, whatever the machine's load.
     */
    private void publish(String channel, int from, int to) {
        for (int i = from; i <= to; i += 10) {
            List<Event> batch =
                    IntStream.rangeClosed(i, Math.min(to, i + 9))
                            .mapToObj(n -> new Event(channel, "n", Map.of("i", n)))
                            .toList();
            // one batch at a time: the server records them in the order it answers them
            Results.ok(sdk.trigger(batch));
        }
    }

    /**
     * The app's page: pusher-js and the add-on as plain scripts, enabled before subscribing. What
     * the handlers got, the recovered frames and the gap calls are left on {@code window}; the last
     * subscribe's {@code herald_recovery} is kept as pusher-js hands it to its connection.
     */
    private static String page() {
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>recovery</title>
                <script src="/pusher.min.js"></script>
                <script src="/herald-recovery.js"></script>
                </head><body>
                <script>
                  var q = new URLSearchParams(location.search);
                  window.got = [];
                  window.gaps = [];
                  window.recovered = [];
                  window.markers = 0;
                  window.sentRecovery = null;
                  var pusher = new Pusher(q.get('key'), {
                    cluster: 'local', wsHost: '127.0.0.1', wsPort: Number(q.get('port')),
                    forceTLS: false, enabledTransports: ['ws'], disableStats: true
                  });
                  window.pusher = pusher;
                  window.recovery = HeraldRecovery.enableRecovery(pusher, {
                    onGap: function (channel, info) { window.gaps.push([channel, info]); }
                  });
                  var send = pusher.connection.send_event;
                  pusher.connection.send_event = function (name, data, channel) {
                    if (name === 'pusher:subscribe') {
                      window.sentRecovery = JSON.stringify(data.herald_recovery);
                    }
                    return send.call(this, name, data, channel);
                  };
                  pusher.connection.bind('message', function (m) {
                    if (m.event === 'pusher_internal:herald_recovered') window.recovered.push(m.data);
                  });
                  var channel = pusher.subscribe(q.get('channel'));
                  channel.bind('n', function (data) { window.got.push(data.i); });
                  channel.bind('marker', function () { window.markers += 1; });
                </script>
                </body></html>
                """;
    }

    private static void serve(HttpExchange exchange, byte[] body, String type) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
