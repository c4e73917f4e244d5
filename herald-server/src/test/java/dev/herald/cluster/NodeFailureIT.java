package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import dev.herald.testing.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node killed with SIGKILL (no goodbye) loses its members once its 4 s lease runs out (issue 6):
 * the surviving node's subscribers get {@code member_removed}, its queries stop listing the member,
 * and the webhooks fire once.
 *
 * <p>The nodes use a Redis of their own ({@link ClusterRedis#own}: a redis-server, or a Redis
 * Cluster with {@code -Dherald.it.redis=cluster}): any live node may reap a dead one, and a node
 * serving other apps (another test class's, or anything else on the shared Redis) would claim the
 * reap without knowing this app.
 */
@Tag(ClusterRedis.MATRIX)
class NodeFailureIT {

    private static final TestApp APP = TestApp.named("cluster-failure");
    private static final int LEASE_SECONDS = 4;
    private static ClusterRedis redis;
    private static WebhookReceiver hooks;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess doomed;
    private static HeraldProcess survivor;
    private static Pusher api;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.own("node-failure");
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
                        "cluster-failure-doomed",
                        "cluster-failure-survivor");
        doomed = nodes.get(0);
        survivor = nodes.get(1);
        api = Api.of(survivor);
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

    @Test
    void aKilledNodesMembersExpireWithItsLeaseAndTheirEventsFireOnce() {
        Client wendy = clients.connect(survivor, "wendy");
        Client.Recorder shared = wendy.subscribePresence("presence-shared");
        Client zed = clients.connect(doomed, "zed");
        zed.subscribePresence("presence-shared");
        zed.subscribePresence("presence-solo");
        shared.awaitAdded("zed");
        hooks.awaitSummary("presence-solo", "member_added:zed", Client.WAIT);
        hooks.awaitSummary("presence-solo", "channel_occupied", Client.WAIT);
        hooks.awaitSummary("presence-shared", "member_added:zed", Client.WAIT);
        assertThat(Api.userIds(api, "presence-shared")).containsExactly("wendy", "zed");

        doomed.kill();
        clients.forget(zed);
        zed.pusher.disconnect(); // stops the library reconnecting to the dead node; nothing to wait
        // for

        Duration expiry = Duration.ofSeconds(LEASE_SECONDS + 10);
        shared.awaitRemoved("zed", expiry);
        hooks.awaitSummary("presence-shared", "member_removed:zed", expiry);
        hooks.awaitSummary("presence-solo", "member_removed:zed", expiry);
        hooks.awaitSummary("presence-solo", "channel_vacated", expiry);
        assertThat(Api.userIds(api, "presence-shared")).containsExactly("wendy");
        assertThat(Api.userIds(api, "presence-solo")).isEmpty();
        JsonNode solo =
                ServerSdk.get(
                        api,
                        "/channels/presence-solo",
                        Map.of("info", "user_count,subscription_count"));
        assertThat(solo.path("occupied").asBoolean()).as("%s", solo).isFalse();
        assertThat(solo.path("user_count").asInt()).as("%s", solo).isZero();
        JsonNode shared2 =
                ServerSdk.get(
                        api,
                        "/channels/presence-shared",
                        Map.of("info", "user_count,subscription_count"));
        assertThat(shared2.path("user_count").asInt()).as("%s", shared2).isEqualTo(1);
        assertThat(shared2.path("subscription_count").asInt()).as("%s", shared2).isEqualTo(1);

        // nothing more: the survivor's later heartbeats and removals come after these
        shared.fence(api);
        try (Client fence = Client.connect(survivor, "fence")) {
            fence.subscribe("fence-after-reap");
        }
        hooks.awaitSummary("fence-after-reap", "channel_vacated", Duration.ofSeconds(30));
        assertThat(shared.unsubscribedIds()).containsExactly("zed");
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
    }
}
