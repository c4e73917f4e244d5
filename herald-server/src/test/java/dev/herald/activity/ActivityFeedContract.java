package dev.herald.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ActivityFeed} does on one node. Extended by {@code LocalActivityFeedTest};
 * engines that span nodes extend {@link ClusteredActivityFeedContract}.
 *
 * <p>The one-node answers are immediate: a node's own viewers count at once, whatever the engine.
 * Deliveries are awaited (an engine may hand them to a thread of its own), and "exactly once" is a
 * count that must still hold {@link #QUIET} later.
 */
public abstract class ActivityFeedContract {

    /** Long enough for a few refreshes on a busy machine; a correct engine takes one. */
    protected static final Duration WITHIN = Duration.ofSeconds(10);

    /** How long a count must stay put to count as final. */
    protected static final Duration QUIET = Duration.ofMillis(300);

    protected static final String APP = "app-id";
    protected static final String OTHER_APP = "other-app";

    /**
     * A started feed of one node; in the clustered contract each call is another node of the same
     * cluster. The subclass closes it after the test.
     */
    protected abstract ActivityFeed feed() throws Exception;

    private static final AtomicLong CLOCK = new AtomicLong(1_700_000_000_000L);

    /** An event of {@code appId} on {@code node}, told apart by its event name. */
    protected static ActivityEvent event(String node, String appId, String name) {
        return new ActivityEvent(
                CLOCK.getAndIncrement(),
                node,
                appId,
                ActivityEvent.Kind.CLIENT_EVENT,
                "123.456",
                "private-room",
                name,
                11,
                "{\"n\":\"é\"}",
                Map.of("size", 11));
    }

    /** Waits until {@code check} holds and then still holds {@link #QUIET} later. */
    protected static void settles(org.awaitility.core.ThrowingRunnable check) {
        await().atMost(WITHIN).untilAsserted(check);
        await().during(QUIET).atMost(WITHIN.plus(QUIET)).untilAsserted(check);
    }

    @Test
    void watchesNothingAtFirst() throws Exception {
        ActivityFeed feed = feed();

        assertThat(feed.watching(APP)).isFalse();
    }

    @Test
    void watchesAnAppFromItsFirstViewerUntilItsLast() throws Exception {
        ActivityFeed feed = feed();

        ActivityFeed.Viewing first = feed.watch(APP, new Viewer());
        assertThat(feed.watching(APP)).isTrue();
        assertThat(feed.watching(OTHER_APP)).isFalse();

        ActivityFeed.Viewing second = feed.watch(APP, new Viewer());
        first.close();
        assertThat(feed.watching(APP)).isTrue();

        second.close();
        assertThat(feed.watching(APP)).isFalse();
    }

    @Test
    void deliversAnAppsEventsOnlyToItsViewers() throws Exception {
        ActivityFeed feed = feed();
        Viewer one = new Viewer();
        Viewer other = new Viewer();
        feed.watch(APP, one);
        feed.watch(OTHER_APP, other);

        feed.record(event("1", APP, "for one"));
        feed.record(event("1", OTHER_APP, "for other"));
        feed.record(event("1", "unwatched-app", "for nobody"));

        settles(
                () -> {
                    assertThat(one.names()).containsExactly("for one");
                    assertThat(other.names()).containsExactly("for other");
                });
    }

    @Test
    void deliversEachEventOnceToEveryViewerOfTheApp() throws Exception {
        ActivityFeed feed = feed();
        Viewer one = new Viewer();
        Viewer two = new Viewer();
        feed.watch(APP, one);
        feed.watch(APP, two);
        ActivityEvent event = event("1", APP, "hello");

        feed.record(event);

        settles(
                () -> {
                    assertThat(one.events()).containsExactly(event);
                    assertThat(two.events()).containsExactly(event);
                });
    }

    @Test
    void aViewingClosedGetsNothingMore() throws Exception {
        ActivityFeed feed = feed();
        Viewer leaving = new Viewer();
        Viewer staying = new Viewer();
        ActivityFeed.Viewing viewing = feed.watch(APP, leaving);
        feed.watch(APP, staying);
        feed.record(event("1", APP, "before"));

        viewing.close();
        viewing.close(); // twice: the other viewer is not affected
        feed.record(event("1", APP, "after"));

        settles(
                () -> {
                    assertThat(staying.names()).containsExactly("before", "after");
                    assertThat(leaving.names()).containsExactly("before");
                });
        assertThat(feed.watching(APP)).isTrue();
    }

    @Test
    void aClosedFeedWatchesNothingAndDeliversNothing() throws Exception {
        ActivityFeed feed = feed();
        Viewer viewer = new Viewer();
        feed.watch(APP, viewer);

        feed.close();
        feed.record(event("1", APP, "after close"));

        assertThat(feed.watching(APP)).isFalse();
        settles(() -> assertThat(viewer.events()).isEmpty());
    }
}
