package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Subscription counts (docs/protocol.md §3.8), enabled with HERALD_APP_SUBSCRIPTION_COUNT=true:
 * pusher-java-client re-emits {@code pusher_internal:subscription_count} to the channel's listeners
 * as {@code pusher:subscription_count}. The wire format, the coalescing and the channels without
 * counts are in-process: {@code SubscriptionCountTest}.
 */
class SubscriptionCountIT {

    private static HeraldProcess herald;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald =
                HeraldProcess.start(
                        "subscription-count", Map.of("HERALD_APP_SUBSCRIPTION_COUNT", "true"));
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void javaClientsReceiveTheSubscriptionCountOfTheirChannel() {
        JavaClient first = open.track(JavaClient.connected(herald, "first"));
        JavaClient.Recorder firstView = first.subscribe("count-java");
        awaitCount(firstView, 1);

        JavaClient second = open.track(JavaClient.connected(herald, "second"));
        JavaClient.Recorder secondView = second.subscribe("count-java");

        awaitCount(firstView, 2);
        awaitCount(secondView, 2);
        assertThat(firstView.events("pusher:subscription_count").get(0).getChannelName())
                .isEqualTo("count-java");

        second.close();

        awaitCount(firstView, 1, 2);
    }

    /**
     * Waits until the last {@code pusher:subscription_count} the Java client reported is {@code
     * count}.
     */
    private static void awaitCount(JavaClient.Recorder recorder, int count) {
        awaitCount(recorder, count, 1);
    }

    /**
     * Waits for the {@code nth} {@code pusher:subscription_count} event reporting {@code count}.
     */
    private static void awaitCount(JavaClient.Recorder recorder, int count, int nth) {
        await(recorder.channel + " count " + count)
                .atMost(JavaClient.WAIT)
                .until(
                        () ->
                                recorder.events("pusher:subscription_count").stream()
                                                .filter(
                                                        e ->
                                                                Json.parse(e.getData())
                                                                                .path(
                                                                                        "subscription_count")
                                                                                .asInt()
                                                                        == count)
                                                .count()
                                        >= nth);
    }
}
