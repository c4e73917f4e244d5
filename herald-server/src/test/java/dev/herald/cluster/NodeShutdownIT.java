package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import dev.herald.testing.WebhookReceiver;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node stopped with SIGTERM leaves the cluster at once: its shares and lease go with it, so the
 * other node shows its members gone and fires the webhooks once within seconds, far inside the
 * minute-long lease, and never treats it as a dead node to reap.
 *
 * <p>The nodes use a Redis of their own ({@link ClusterRedis#own}: a redis-server, or a Redis
 * Cluster with {@code -Dherald.it.redis=cluster}), so that no other test's node reaps anything.
 */
@Tag(ClusterRedis.MATRIX)
class NodeShutdownIT {

    private static final TestApp APP = TestApp.named("cluster-shutdown");
    private static final int LEASE_SECONDS = 60;

    /** Well inside the lease: only a goodbye explains a removal this soon. */
    private static final Duration AT_ONCE = Duration.ofSeconds(8);

    private static ClusterRedis redis;
    private static WebhookReceiver hooks;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess leaving;
    private static HeraldProcess staying;
    private static Pusher api;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.own("node-shutdown");
        hooks = WebhookReceiver.start();
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP)
                                .env(
                                        Map.of(
                                                "HERALD_NODE_LEASE_SECONDS",
                                                Integer.toString(LEASE_SECONDS),
                                                "HERALD_APP_WEBHOOK_URL",
                                                hooks.url().toString(),
                                                "HERALD_WEBHOOK_DEBOUNCE_MS",
                                                "1000",
                                                "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS",
                                                "100")),
                        "cluster-shutdown-leaving",
                        "cluster-shutdown-staying");
        leaving = nodes.get(0);
        staying = nodes.get(1);
        api = Api.of(staying);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (hooks != null) {
            hooks.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** The nodes holding a lease in Redis, whatever its expiry. */
    private static List<String> leases() {
        Object leases =
                redis.call(
                        ClusterRedis.NODES_KEY,
                        "ZRANGEBYSCORE",
                        ClusterRedis.NODES_KEY,
                        "2",
                        "+inf");
        return ((List<?>) leases).stream().map(String::valueOf).collect(Collectors.toList());
    }

    @Test
    void aStoppedNodesMembersGoAtOnceAndItIsNotReapedAsDead() throws Exception {
        Client wendy = clients.connect(staying, "wendy");
        Client.Recorder shared = wendy.subscribePresence("presence-shared");
        Client zed = clients.connect(leaving, "zed");
        zed.subscribePresence("presence-shared");
        zed.subscribePresence("presence-solo");
        zed.subscribe("solo-public");
        shared.awaitAdded("zed");
        hooks.awaitSummary("presence-solo", "channel_occupied", Client.WAIT);
        hooks.awaitSummary("solo-public", "channel_occupied", Client.WAIT);
        clients.forget(zed);
        assertThat(leases()).as("both nodes hold a lease").hasSize(2);

        long stopping = System.nanoTime();
        leaving.stop();
        zed.pusher.disconnect(); // the library would try the stopped node again

        shared.awaitRemoved("zed", AT_ONCE);
        hooks.awaitSummary("presence-shared", "member_removed:zed", AT_ONCE);
        hooks.awaitSummary("presence-solo", "channel_vacated", AT_ONCE);
        hooks.awaitSummary("solo-public", "channel_vacated", AT_ONCE);
        long goneMillis = (System.nanoTime() - stopping) / 1_000_000;
        assertThat(leases()).as("the stopped node gave its lease back").hasSize(1);
        assertThat(goneMillis)
                .as("gone %d ms after SIGTERM, with a %d s lease", goneMillis, LEASE_SECONDS)
                .isLessThan(AT_ONCE.toMillis());
        assertThat(Api.userIds(api, "presence-shared")).containsExactly("wendy");
        JsonNode solo = ServerSdk.get(api, "/channels/solo-public", Map.of());
        assertThat(solo.path("occupied").asBoolean()).as("%s", solo).isFalse();
        JsonNode channels = ServerSdk.get(api, "/channels", Map.of());
        assertThat(channels.path("channels").has("solo-public")).as("%s", channels).isFalse();

        shared.fence(api);
        assertThat(hooks.occupancyAndMembership("presence-shared"))
                .containsExactlyInAnyOrder(
                        "channel_occupied",
                        "member_added:wendy",
                        "member_added:zed",
                        "member_removed:zed");
        assertThat(hooks.occupancyAndMembership("presence-solo"))
                .containsExactlyInAnyOrder(
                        "channel_occupied",
                        "member_added:zed",
                        "member_removed:zed",
                        "channel_vacated");
        assertThat(Files.readString(staying.log()))
                .as("the staying node never reaped the stopped one as dead")
                .doesNotContain("missed its lease");
    }
}
