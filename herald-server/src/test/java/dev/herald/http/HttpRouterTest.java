package dev.herald.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.ActivityTap;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.StaticAppStore;
import dev.herald.auth.HmacSigner;
import dev.herald.auth.RequestSignature;
import dev.herald.cluster.ClusterView;
import dev.herald.protocol.Member;
import dev.herald.session.SessionContext;
import dev.herald.testing.SessionHarness;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpRouter} behind the real HTTP pipeline on an {@link EmbeddedChannel}: raw request bytes
 * in, raw response bytes out, WebSocket upgrades included.
 */
class HttpRouterTest {

    private static final App APP = App.of("1", "key-1", "secret-1");
    private static final App GUARDED =
            App.of("2", "key-2", "secret-2")
                    .withFeatures(
                            new AppFeatures(
                                    false,
                                    false,
                                    false,
                                    false,
                                    false,
                                    Duration.ofSeconds(30),
                                    List.of("https://good.example")));

    private final SessionHarness harness = new SessionHarness(3);
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        harness.close();
    }

    private void open() {
        open("");
    }

    private void open(String pathPrefix) {
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(APP, GUARDED)),
                        harness.context,
                        new WebSocketUpgrade(10_240, 120_000, 30_000),
                        ready::get,
                        () -> Health.OK,
                        harness.metrics,
                        () -> 1,
                        pathPrefix,
                        TrustedProxies.NONE);
        channel = harness.nextChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(10_240, 10_000, 60_000), router, null));
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
        StringBuilder text = new StringBuilder();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            text.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return text.toString();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private static String upgrade(String key, String origin) {
        return "GET /app/"
                + key
                + "?protocol=7&client=js HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n")
                + "\r\n";
    }

    private static String signedGet(String path) {
        Map<String, List<String>> params =
                new TreeMap<>(
                        Map.of(
                                "auth_key",
                                List.of(APP.key()),
                                "auth_timestamp",
                                List.of(Long.toString(System.currentTimeMillis() / 1000)),
                                "auth_version",
                                List.of("1.0")));
        String signature =
                new HmacSigner(APP.secret())
                        .signHex(RequestSignature.stringToSign("GET", path, params));
        StringBuilder query = new StringBuilder();
        params.forEach((k, v) -> query.append(k).append('=').append(v.get(0)).append('&'));
        return get(path + "?" + query + "auth_signature=" + signature);
    }

    @Test
    void upAnswersOkWhileTheNodeIsReady() {
        open();
        assertThat(exchange(get("/up")))
                .startsWith("HTTP/1.1 200 ")
                .endsWith("{\"health\":\"OK\"}");
        ready.set(false);
        assertThat(exchange(get("/up")))
                .startsWith("HTTP/1.1 503 ")
                .endsWith("{\"health\":\"not ready\"}");
    }

    @Test
    void connectionsCountsTheAppsOpenConnectionsForASignedRequest() {
        harness.connect(APP);
        harness.connect(APP);
        open();

        assertThat(exchange(signedGet("/apps/" + APP.id() + "/connections")))
                .startsWith("HTTP/1.1 200 ")
                .endsWith("{\"connections\":2}");
        assertThat(exchange(get("/apps/" + APP.id() + "/connections"))).startsWith("HTTP/1.1 401 ");
    }

    @Test
    void underAPathPrefixTheRoutesMoveAndTheSignatureLeavesThePrefixOut() {
        harness.connect(APP);
        open("/ws/v1");

        // signed over /apps/1/connections, as Pusher's libraries and Laravel's `path` option sign
        // it
        String signed = signedGet("/apps/" + APP.id() + "/connections");
        assertThat(exchange(signed.replace("GET /apps/", "GET /ws/v1/apps/")))
                .startsWith("HTTP/1.1 200 ")
                .endsWith("{\"connections\":1}");
        assertThat(exchange(signed))
                .startsWith("HTTP/1.1 404 ")
                .contains("this server's routes are under /ws/v1");
        assertThat(exchange(get("/ws/app/key-1"))).startsWith("HTTP/1.1 404 ");
        assertThat(exchange(upgrade("key-1", null).replace("GET /app/", "GET /ws/v1/app/")))
                .startsWith("HTTP/1.1 101 ")
                .contains("pusher:connection_established");
    }

    @Test
    void underAPathPrefixHealthChecksAnswerAtTheRootAndUnderThePrefix() {
        open("/ws");
        for (String path :
                List.of("/up", "/ws/up", "/health", "/ws/health", "/ready", "/ws/ready")) {
            assertThat(exchange(get(path))).as(path).startsWith("HTTP/1.1 200 ");
        }
        assertThat(exchange(get("/wsx/up"))).startsWith("HTTP/1.1 404 ");
    }

    @Test
    void healthAndReadinessAnswerWithTheirVerdict() {
        open();
        assertThat(exchange(get("/health"))).startsWith("HTTP/1.1 200 ");
        ready.set(false);
        assertThat(exchange(get("/ready")))
                .startsWith("HTTP/1.1 503 ")
                .contains("{\"status\":\"not ready\"}");
    }

    @Test
    void unknownPathsAre404AndTheWebSocketPathWithoutAnUpgradeIs400() {
        open();
        assertThat(exchange(get("/nowhere")))
                .startsWith("HTTP/1.1 404 ")
                .contains("Not found: /nowhere");
        assertThat(exchange(get("/app/key-1")))
                .startsWith("HTTP/1.1 400 ")
                .contains("connect with a WebSocket client");
    }

    @Test
    void anUnsignedApiCallIsRefusedWith401() {
        open();
        String answer =
                exchange(
                        "POST /apps/1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 2\r\n\r\n{}");
        assertThat(answer).startsWith("HTTP/1.1 401 ").contains("Missing auth_key");
    }

    @Test
    void anUpgradeForAKnownKeyStartsTheSession() {
        open();
        String answer = exchange(upgrade("key-1", null));
        assertThat(answer).startsWith("HTTP/1.1 101 ").contains("pusher:connection_established");
        assertThat(harness.hub.openConnections()).isEqualTo(1);
    }

    @Test
    void anUpgradeForAnUnknownKeyIsAnsweredOnTheOpenWebSocketWith4001() {
        open();
        String answer = exchange(upgrade("key-unknown", null));
        assertThat(answer)
                .startsWith("HTTP/1.1 101 ")
                .contains("pusher:error")
                .contains("\"code\":4001")
                .doesNotContain("connection_established");
        // the close frame carries the same code: 0x88, length, then 4001 as two bytes
        assertThat(answer).contains("\u0088").contains("\u000F\u00A1");
    }

    @Test
    void anUpgradeFromAnOriginTheAppDoesNotAllowIsRefusedWith4009() {
        open();
        String answer = exchange(upgrade("key-2", "https://evil.example"));
        assertThat(answer)
                .startsWith("HTTP/1.1 101 ")
                .contains("\"code\":4009")
                .contains("Origin not allowed");
        assertThat(
                        harness.metrics
                                .registry()
                                .find("herald.connections.refused")
                                .tag("reason", "origin")
                                .counter()
                                .count())
                .isEqualTo(1);
    }

    @Test
    void aClusterQueryThatFailsIsAnswered503WithoutTheCause() {
        ClusterView failing =
                new ClusterView() {
                    private <T> CompletionStage<T> fail() {
                        return CompletableFuture.failedFuture(
                                new IllegalStateException("internal detail: redis 10.1.2.3:6379"));
                    }

                    @Override
                    public CompletionStage<Integer> subscriptionCount(
                            String appId, String channel) {
                        return fail();
                    }

                    @Override
                    public CompletionStage<Integer> userCount(String appId, String channel) {
                        return fail();
                    }

                    @Override
                    public CompletionStage<List<Member>> members(String appId, String channel) {
                        return fail();
                    }

                    @Override
                    public CompletionStage<Map<String, Counts>> channels(String appId) {
                        return fail();
                    }

                    @Override
                    public CompletionStage<Map<String, Counts>> allChannels(String appId) {
                        return fail();
                    }

                    @Override
                    public CompletionStage<Set<String>> occupied(
                            String appId, Collection<String> channels) {
                        return fail();
                    }
                };
        SessionContext c = harness.context;
        SessionContext withFailingView =
                new SessionContext(
                        c.hub(),
                        c.broker(),
                        failing,
                        c.cache(),
                        c.history(),
                        c.observer(),
                        c.authenticators(),
                        c.socketIds(),
                        c.admission(),
                        c.metrics(),
                        c.activityTimeoutSeconds(),
                        c.maxMessageBytes(),
                        c.messageBudget(),
                        ActivityTap.NOOP);
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(APP)),
                        withFailingView,
                        new WebSocketUpgrade(10_240, 120_000, 30_000),
                        ready::get,
                        () -> Health.OK,
                        harness.metrics,
                        () -> 1);
        channel = harness.nextChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(10_240, 10_000, 60_000), router, null));

        String answer = exchange(signedGet("/apps/" + APP.id() + "/channels"));

        assertThat(answer)
                .startsWith("HTTP/1.1 503 ")
                .contains("unavailable")
                .doesNotContain("internal detail")
                .doesNotContain("10.1.2.3")
                .doesNotContain("IllegalStateException");
    }
}
