package dev.herald.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What an {@link ActivityFeed} that spans nodes does on top of {@link ActivityFeedContract}: every
 * call of {@link #feed} is another node of the same cluster. Another node's viewer is learnt within
 * a refresh, so tests await it; a node never gets its own events twice. Extended by {@code
 * RedisActivityFeedTest}.
 */
public abstract class ClusteredActivityFeedContract extends ActivityFeedContract {

    /**
     * Stops the node as a crash would: it neither closes nor renews anything. Its interest must
     * lapse within {@link #WITHIN}.
     */
    protected abstract void crash(ActivityFeed node) throws Exception;

    /**
     * Waits until events of {@code appId} recorded on {@code from} reach {@code viewer} (on another
     * node), by recording probes, which the viewer leaves out of its events. The probes of each
     * call carry a route of their own, so probes recorded on the viewer's node earlier (which reach
     * it without crossing any node) do not count.
     */
    protected static void awaitRoute(ActivityFeed from, String appId, Viewer viewer) {
        String route = "probe-" + UUID.randomUUID();
        await().atMost(WITHIN)
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> {
                            from.record(
                                    new ActivityEvent(
                                            0,
                                            route,
                                            appId,
                                            ActivityEvent.Kind.API_MESSAGE,
                                            null,
                                            null,
                                            Viewer.PROBE,
                                            -1,
                                            null,
                                            null));
                            return viewer.probed(route);
                        });
    }

    @Test
    void learnsOfAViewerOnAnotherNodeUntilItLeaves() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();

        ActivityFeed.Viewing viewing = b.watch(APP, new Viewer());

        await().atMost(WITHIN).until(() -> a.watching(APP));
        assertThat(a.watching(OTHER_APP)).isFalse();

        viewing.close();

        await().atMost(WITHIN).until(() -> !a.watching(APP));
    }

    @Test
    void deliversAnEventToAViewerOnAnotherNodeOnceWithEveryField() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));
        ActivityEvent event =
                new ActivityEvent(
                        1_700_000_000_123L,
                        "node-a",
                        APP,
                        ActivityEvent.Kind.DISCONNECTED,
                        "123.456",
                        "presence-room|with:separators",
                        "pusher:\"quoted\"\nline",
                        12,
                        "héllo \u2603 \uD83D\uDE00",
                        Map.of("code", 4100, "reason", "slow \"consumer\"", "clean", false));

        a.record(event);

        settles(() -> assertThat(viewer.events()).containsExactly(event));
    }

    @Test
    void deliversEveryNodesEventsToEveryNodesViewersOnce() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        Viewer onA = new Viewer();
        Viewer onB = new Viewer();
        a.watch(APP, onA);
        b.watch(APP, onB);
        awaitRoute(a, APP, onB);
        awaitRoute(b, APP, onA);

        a.record(event("a", APP, "from a"));
        b.record(event("b", APP, "from b"));

        settles(
                () -> {
                    assertThat(onA.names()).containsExactlyInAnyOrder("from a", "from b");
                    assertThat(onB.names()).containsExactlyInAnyOrder("from a", "from b");
                });
    }

    @Test
    void sendsAnAppsEventsOnlyToTheNodesWatchingIt() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        ActivityFeed c = feed();
        Viewer onB = new Viewer();
        Viewer onC = new Viewer();
        b.watch(APP, onB);
        c.watch(OTHER_APP, onC);
        await().atMost(WITHIN).until(() -> a.watching(APP) && a.watching(OTHER_APP));

        a.record(event("a", APP, "for b"));
        a.record(event("a", OTHER_APP, "for c"));

        settles(
                () -> {
                    assertThat(onB.names()).containsExactly("for b");
                    assertThat(onC.names()).containsExactly("for c");
                });
    }

    @Test
    void keepsOneNodesEventsInOrder() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));
        List<String> sent = new ArrayList<>();

        for (int i = 0; i < 300; i++) {
            sent.add("event " + i);
            a.record(event("a", APP, "event " + i));
        }

        settles(() -> assertThat(viewer.names()).containsExactlyElementsOf(sent));
    }

    @Test
    void aClosedNodesInterestEndsAndItGetsNothingMore() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));

        b.close();
        a.record(event("a", APP, "after close"));

        await().atMost(WITHIN).until(() -> !a.watching(APP));
        settles(() -> assertThat(viewer.events()).isEmpty());
    }

    @Test
    void aCrashedNodesInterestLapsesWhileTheOthersLasts() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        ActivityFeed c = feed();
        b.watch(APP, new Viewer());
        c.watch(OTHER_APP, new Viewer());
        await().atMost(WITHIN).until(() -> a.watching(APP) && a.watching(OTHER_APP));

        crash(b);

        await().atMost(WITHIN).until(() -> !a.watching(APP));
        assertThat(a.watching(OTHER_APP)).isTrue();
    }

    @Test
    void anotherNodesViewerDoesNotMakeThisNodeDeliverTwice() throws Exception {
        ActivityFeed a = feed();
        ActivityFeed b = feed();
        Viewer onA = new Viewer();
        Viewer onB = new Viewer();
        a.watch(APP, onA);
        b.watch(APP, onB);
        awaitRoute(b, APP, onA); // a hears the app's events from other nodes
        awaitRoute(a, APP, onB); // a sends them to other nodes

        a.record(event("a", APP, "mine"));

        settles(() -> assertThat(onA.names()).containsExactly("mine"));
    }
}
