package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import dev.herald.testing.Browser;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.TestApp;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * The console of one node of a two-node cluster (the Redis on 127.0.0.1:6379) in headless Chromium:
 * it says it is clustered, and its debug console and overview show what the other node did, with
 * that node's name.
 *
 * <p>On one Redis only (not in the {@code redis-matrix}): what the page shows comes from the same
 * console API that {@link ConsoleClusterIT} checks against either Redis, and a browser per topology
 * would double the slowest test for nothing the page adds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleClusterBrowserIT {

    private static final Duration WAIT = Browser.WAIT;
    private static final TestApp APP = TestApp.named("console-cluster");
    private static final String TOKEN = "console-cluster-" + hex(16);

    private List<HeraldProcess> nodes = List.of();
    private HeraldProcess a;
    private HeraldProcess b;
    private Browser browser;

    @BeforeAll
    void start() throws IOException {
        nodes =
                HeraldProcess.startAll(
                        HeraldProcess.clusterNode(APP, HeraldProcess.REDIS)
                                .env("HERALD_CONSOLE_TOKEN", TOKEN),
                        "console-cluster-a",
                        "console-cluster-b");
        a = nodes.get(0);
        b = nodes.get(1);
        browser = Browser.start(new Dimension(1366, 768));
    }

    @AfterEach
    void noErrors() {
        assertThat(browser.consoleErrors()).as("the browser console's errors").isEmpty();
    }

    @AfterAll
    void stop() throws IOException {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            HeraldProcess.stopAll(nodes);
        }
    }

    @Test
    void oneNodesConsoleShowsTheOtherNodesActivityWithItsName() throws Exception {
        String nodeA = nodeName(a);
        String nodeB = nodeName(b);
        assertThat(nodeB).isNotEqualTo(nodeA);
        String base = "http://" + HeraldProcess.HOST + ":" + a.metricsPort() + "/console/";
        browser.driver().get(base + "?token=" + TOKEN);
        browser.awaitTrue(
                "console ready", "return !!(window.heraldConsole && window.heraldConsole.ready)");
        // the page asks again every 15 s: the other node may not have been seen live at first
        await("the cluster's size")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () ->
                                browser.jsString(
                                                "return document.getElementById('node-info').textContent")
                                        .contains("cluster of 2 nodes"));
        assertThat(browser.jsString("return document.getElementById('node-info').textContent"))
                .startsWith("node " + nodeA);

        browser.driver().findElement(By.id("tab-debug")).click();
        browser.awaitTrue(
                "debug stream live", "return window.heraldConsole.stream.state === 'live'");
        assertThat(
                        browser.driver()
                                .findElement(By.cssSelector("#debug-table th.c-node"))
                                .isDisplayed())
                .as("the node column")
                .isTrue();

        Pusher throughB = new Pusher(APP.id(), APP.key(), APP.secret());
        throughB.setHost(HeraldProcess.HOST + ":" + b.port());
        // node b hears of the viewer on a at its next refresh (within a second): until then it
        // has no one to send its events to, so probe until one arrives
        String probes = "cluster-probe-" + hex(4);
        await("node b sends to the viewer on node a")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> {
                            throughB.trigger(probes, "probe", Map.of());
                            return (Boolean)
                                    browser.js(
                                            "return document.querySelectorAll(arguments[0]).length > 0",
                                            "#debug-rows tr[data-channel='" + probes + "']");
                        });
        String channel = "cluster-" + hex(4);
        assertThat(throughB.trigger(channel, "hello", Map.of("from", "b")).getHttpStatus())
                .isEqualTo(200);
        String row = "#debug-rows tr[data-channel='" + channel + "'][data-event='hello']";
        browser.awaitTrue(
                "the message published on the other node",
                "return document.querySelectorAll(arguments[0]).length === 1",
                row);
        assertThat(
                        browser.jsString(
                                "return document.querySelector(arguments[0] + ' .node-cell').textContent",
                                row))
                .isEqualTo(nodeB);

        // the overview lists both nodes once each has been sampled
        browser.driver().findElement(By.id("tab-overview")).click();
        await("both nodes in the overview")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () ->
                                browser.jsLong(
                                                "return document.querySelectorAll('#nodes-table tr[data-node]').length;")
                                        == 2);
        assertThat(
                        browser.jsLong(
                                "return document.querySelectorAll('#nodes-table tr.total').length;"))
                .isEqualTo(1);
    }

    private String nodeName(HeraldProcess node) throws Exception {
        HttpResponse<String> answer =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(node.ops("/console/api/session"))
                                        .header("Authorization", "Bearer " + TOKEN)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        return Json.parse(answer.body()).path("node").asText();
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
