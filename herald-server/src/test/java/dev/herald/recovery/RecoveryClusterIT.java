package dev.herald.recovery;

import static dev.herald.recovery.RecoveryJavaClientIT.publish;
import static dev.herald.recovery.RecoveryJavaClientIT.range;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.recovery.RecoveringClient.Feed;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.CuttableProxy;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.TestApp;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recovery across two real nodes sharing the Redis on 127.0.0.1:6379 (or, with {@code
 * -Dherald.it.redis=cluster}, a Redis Cluster of the class's own: {@link ClusterRedis}), with
 * pusher-java-client and {@link dev.herald.clients.HeraldRecovery}: the client's connection is cut
 * from one node and, when it comes back, the {@link CuttableProxy} sends it to the other, which
 * replays from the history both keep in Redis. The app has a name of its own, so no other class's
 * history meets this one's.
 */
@Tag(ClusterRedis.MATRIX)
class RecoveryClusterIT {

    private static final TestApp APP = TestApp.named("recovery-cluster");
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("recovery-cluster");
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP).env(HistoryApps.defaultAppEnv()),
                        "recovery-cluster-a",
                        "recovery-cluster-b");
        a = nodes.get(0);
        b = nodes.get(1);
        apiA = HistoryApps.sdk(a, APP);
        apiB = HistoryApps.sdk(b, APP);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    private static String unique(String prefix) {
        return prefix
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    private RecoveringClient helper(CuttableProxy proxy) {
        return open.track(
                RecoveringClient.withHelper(proxy.port(), APP, HistoryApps.authorizer(apiA)));
    }

    /**
     * Events 1–10 live on node A; the connection cut; 11–110 published through A during the outage;
     * the proxy sends the reconnection to node B, and 111–210 are published through B while the
     * client reconnects: the app gets 1–210, each once, in order, and no gap.
     */
    @Test
    void replaysOnTheOtherNodeWhatTheOutageMissedExactlyOnceAndInOrder() {
        String channel = unique("history-cluster-");
        CuttableProxy proxy = open.track(CuttableProxy.to(a.port()));
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(apiA, channel, 1, 10);
        feed.awaitNumbers(10);
        String before = client.recovery.position(channel);
        assertThat(before).isNotNull();

        proxy.cut();
        client.awaitDisconnected();
        proxy.upstream(b.port());
        publish(apiA, channel, 11, 110);
        CompletableFuture<Void> whileReconnecting =
                CompletableFuture.runAsync(() -> publish(apiB, channel, 111, 210));
        proxy.restore();
        whileReconnecting.join();

        feed.awaitNumbers(210);
        feed.fence(List.of(apiA, apiB));
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 210));
        assertThat(client.gaps).isEmpty();
        List<CuttableProxy.Link> links = proxy.links();
        assertThat(links).hasSize(2);
        assertThat(links.get(0).upstreamPort()).isEqualTo(a.port());
        assertThat(links.get(1).upstreamPort()).isEqualTo(b.port());
        JsonNode asked = Wire.data(Json.parse(links.get(1).clientMessages().get(0)));
        assertThat(asked.path("channels").path(channel).asText()).isEqualTo(before);
        JsonNode recovered = Wire.recovered(links.get(1), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(recovered.path("replayed").asInt()).as(recovered.toString()).isBetween(100, 200);
    }

    /** The history lives in Redis: a restarted node still replays, and the epoch stays. */
    @Test
    void aRestartedNodeStillReplaysWithoutAGap() {
        HeraldProcess node =
                open.track(
                        redis.node(APP)
                                .name("recovery-cluster-c")
                                .env(HistoryApps.defaultAppEnv())
                                .start());
        Pusher api = HistoryApps.sdk(node, APP);
        String channel = unique("history-restart-");
        CuttableProxy proxy = open.track(CuttableProxy.to(node.port()));
        RecoveringClient client = helper(proxy);
        Feed feed = client.subscribe(channel);
        client.connect();
        feed.awaitSubscribed();
        publish(api, channel, 1, 5);
        feed.awaitNumbers(5);
        String before = client.recovery.position(channel);

        proxy.cut();
        client.awaitDisconnected();
        publish(apiB, channel, 6, 15);
        node.restart();
        proxy.restore();

        feed.awaitNumbers(15);
        publish(api, channel, 16, 20);
        feed.awaitNumbers(20);
        feed.fence(List.of(api, apiB));
        assertThat(feed.numbers()).containsExactlyElementsOf(range(1, 20));
        assertThat(client.gaps).isEmpty();
        JsonNode recovered = Wire.recovered(proxy.links().get(1), channel);
        assertThat(recovered.path("gap").asBoolean()).as(recovered.toString()).isFalse();
        assertThat(recovered.path("replayed").asInt()).as(recovered.toString()).isEqualTo(10);
        String epoch = before.substring(0, before.indexOf(':') + 1);
        assertThat(client.recovery.position(channel)).startsWith(epoch);
    }
}
