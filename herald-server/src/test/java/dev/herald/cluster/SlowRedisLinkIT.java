package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Results;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code subscription_succeeded} must mean "subscribed cluster-wide" (issue 6). Apps commonly react
 * to it by asking their backend to publish to the channel; in a cluster that publication can go
 * through any node. Here node A reaches Redis over a link with 200 ms of latency each way (Redis in
 * another zone), node B directly; a pusher-java-client subscriber on A triggers through B as soon
 * as its subscription succeeds, and must get the event.
 *
 * <p>Single Redis only (not tagged {@link dev.herald.testing.ClusterRedis#MATRIX}): the slow link
 * is one TCP proxy in front of one Redis, and a Redis Cluster's redirections and topology name the
 * nodes' own ports, which a client then reaches around the proxy.
 */
class SlowRedisLinkIT {

    private static final TestApp APP = TestApp.named("cluster-slow-link");
    private static SlowLink link;
    private static List<HeraldProcess> nodes = new ArrayList<>();
    private static HeraldProcess a;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        link = SlowLink.start(6379, Duration.ofMillis(200));
        a =
                HeraldProcess.launch(
                        HeraldProcess.clusterNode(APP, link.redisUrl())
                                .name("cluster-slow-link-a")
                                .build());
        nodes.add(a);
        HeraldProcess b =
                HeraldProcess.launch(
                        HeraldProcess.clusterNode(APP, HeraldProcess.REDIS)
                                .name("cluster-slow-link-b")
                                .build());
        nodes.add(b);
        a.awaitReady();
        b.awaitReady();
        apiB = Api.of(b);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (link != null) {
            link.close();
        }
    }

    @Test
    void anEventTriggeredThroughAnotherNodeAsSoonAsTheSubscriptionSucceedsIsDelivered() {
        Client reader = clients.connect(a, "eager");
        // the link works: a presence subscription's success waits for Redis (the member list), and
        // by then the node's Redis subscription, sent before, is in place too
        Client.Recorder control = reader.subscribePresence("presence-control");
        Results.ok(apiB.trigger("presence-control", "hello", Map.of("to", "eager")));
        control.awaitEvent("hello", "{\"to\":\"eager\"}");
        CompletableFuture<Result> triggered = new CompletableFuture<>();
        Client.Recorder welcome =
                new Client.Recorder("welcome-room") {
                    @Override
                    public void onSubscriptionSucceeded(String channelName) {
                        super.onSubscriptionSucceeded(channelName);
                        // the app's backend, called from the success callback
                        CompletableFuture.runAsync(
                                () ->
                                        triggered.complete(
                                                apiB.trigger(
                                                        channelName,
                                                        "welcome",
                                                        Map.of("to", "eager"))));
                    }
                };

        reader.pusher.subscribe("welcome-room", welcome).bindGlobal(welcome);

        welcome.awaitSubscribed();
        Results.ok(triggered.join());
        welcome.awaitEvent("welcome", "{\"to\":\"eager\"}");
        assertThat(welcome.data("welcome")).containsExactly("{\"to\":\"eager\"}");
    }
}
