package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pusher.rest.Pusher;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import dev.herald.testing.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks decided once for the whole cluster (issue 6): two nodes share one receiver and a 1 s
 * debounce; occupancy and presence changes spread over both nodes must reach the receiver once.
 *
 * <p>To show that nothing more arrives, {@link #fence()} occupies and vacates a fresh channel on
 * every node and waits for its {@code channel_vacated}: that removal is debounced after any removal
 * the node decided before it, and each node sends its events in order.
 *
 * <p>The nodes share the Redis of {@link ClusterRedis} (127.0.0.1:6379, or a Redis Cluster of the
 * class's own).
 */
@Tag(ClusterRedis.MATRIX)
class ClusterWebhooksIT {

    private static final TestApp APP = TestApp.named("cluster-webhooks");
    private static final Duration HOOK_WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger FENCES = new AtomicInteger();
    private static WebhookReceiver hooks;
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("cluster-webhooks");
        hooks = WebhookReceiver.start();
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP)
                                .env(
                                        Map.of(
                                                "HERALD_APP_WEBHOOK_URL", hooks.url().toString(),
                                                "HERALD_WEBHOOK_DEBOUNCE_MS", "1000",
                                                "HERALD_WEBHOOK_BATCH_MAX_WAIT_MS", "100",
                                                "HERALD_APP_SUBSCRIPTION_COUNT", "true")),
                        "cluster-webhooks-a",
                        "cluster-webhooks-b");
        a = nodes.get(0);
        b = nodes.get(1);
        apiA = Api.of(a);
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
    void subscribersOnTwoNodesOccupyAndVacateAChannelOnce() {
        Client onA = clients.connect(a, "u1");
        Client onB = clients.connect(b, "u2");

        Client.Recorder first = new Client.Recorder("shared");
        Client.Recorder second = new Client.Recorder("shared");
        onA.pusher.subscribe("shared", first);
        onB.pusher.subscribe("shared", second);
        first.awaitSubscribed();
        second.awaitSubscribed();
        hooks.awaitSummary("shared", "channel_occupied", HOOK_WAIT);

        onA.unsubscribe("shared");
        onB.unsubscribe("shared");
        hooks.awaitSummary("shared", "channel_vacated", HOOK_WAIT);
        fence();

        assertThat(hooks.occupancyAndMembership("shared"))
                .containsExactly("channel_occupied", "channel_vacated");
    }

    @Test
    void aPresenceUserOnTwoNodesIsAddedAndRemovedOnce() {
        Client onA = clients.connect(a, "dana");
        Client onB = clients.connect(b, "dana");

        onA.subscribePresence("presence-hooked");
        onB.subscribePresence("presence-hooked");
        hooks.awaitSummary("presence-hooked", "member_added:dana", HOOK_WAIT);
        hooks.awaitSummary("presence-hooked", "channel_occupied", HOOK_WAIT);
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .containsExactlyInAnyOrder("channel_occupied", "member_added:dana");

        onA.close();
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .as("dana still has a socket on node B")
                .containsExactlyInAnyOrder("channel_occupied", "member_added:dana");

        onB.close();
        hooks.awaitSummary("presence-hooked", "member_removed:dana", HOOK_WAIT);
        hooks.awaitSummary("presence-hooked", "channel_vacated", HOOK_WAIT);
        fence();
        assertThat(hooks.occupancyAndMembership("presence-hooked"))
                .containsExactlyInAnyOrder(
                        "channel_occupied",
                        "member_added:dana",
                        "member_removed:dana",
                        "channel_vacated");
    }

    @Test
    void aUserMovingToAnotherNodeWithinTheDebounceSendsNoRemovalAndReturn() {
        Client onA = clients.connect(a, "erin");
        Client onB = clients.connect(b, "erin");
        onA.subscribePresence("presence-move");
        hooks.awaitSummary("presence-move", "member_added:erin", HOOK_WAIT);
        hooks.awaitSummary("presence-move", "channel_occupied", HOOK_WAIT);

        onA.pusher.disconnect(); // the page on node A closes...
        await("node A registered erin's departure")
                .atMost(Client.WAIT)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(
                        () ->
                                !ServerSdk.get(apiA, "/channels/presence-move", Map.of())
                                        .path("occupied")
                                        .asBoolean());
        long left = System.nanoTime();
        Client.Recorder moved = new Client.Recorder("presence-move");
        onB.pusher.subscribePresence(
                "presence-move", moved); // ... and the reloaded page joins through node B
        moved.awaitSubscribed();
        long movedMillis = (System.nanoTime() - left) / 1_000_000;
        fence();

        assertThat(hooks.occupancyAndMembership("presence-move"))
                .as(
                        "erin's join on node B answered %d ms after node A saw her leave (debounce 1000 ms)",
                        movedMillis)
                .containsExactlyInAnyOrder("channel_occupied", "member_added:erin");

        onB.close();
        hooks.awaitSummary("presence-move", "channel_vacated", HOOK_WAIT);
        hooks.awaitSummary("presence-move", "member_removed:erin", HOOK_WAIT);
    }

    @Test
    void subscriptionCountWebhooksCountTheSubscriptionsOfEveryNode() {
        Client onA = clients.connect(a, "counted-1");
        onA.subscribe("counted");
        await("subscription_count webhook after the first subscription")
                .atMost(HOOK_WAIT)
                .until(() -> hooks.subscriptionCounts("counted").size() == 1);
        Client onB = clients.connect(b, "counted-2");

        onB.subscribe("counted");

        await("subscription_count webhook after the second subscription")
                .atMost(HOOK_WAIT)
                .until(() -> hooks.subscriptionCounts("counted").size() == 2);
        assertThat(hooks.subscriptionCounts("counted"))
                .as("one subscriber on node A, then one on node B")
                .containsExactly(1, 2);
    }

    /** Occupies and vacates a fresh channel on every node and waits for each channel_vacated. */
    private void fence() {
        List<String> channels = new ArrayList<>();
        for (HeraldProcess node : nodes) {
            String channel = "fence-" + FENCES.incrementAndGet();
            try (Client client = Client.connect(node, "fence")) {
                client.subscribe(channel);
            }
            channels.add(channel);
        }
        for (String channel : channels) {
            hooks.awaitSummary(channel, "channel_vacated", HOOK_WAIT);
        }
    }
}
