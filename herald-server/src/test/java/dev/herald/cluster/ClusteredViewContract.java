package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a cluster engine that spans nodes does on top of {@link ClusterViewContract}: every call of
 * {@link #node} is another node of the same cluster, answers cover every live node, each decision
 * is made by exactly one node, and a node that dies without a goodbye drops out when its lease runs
 * out. Extended by {@code RedisClusterViewTest}.
 */
public abstract class ClusteredViewContract extends ClusterViewContract {

    /** The lease the engine under test gives its nodes: short, as time really passes. */
    protected static final Duration LEASE = Duration.ofSeconds(1);

    /**
     * Waits until what {@code first} decided from its {@code since}-th decision on and what {@code
     * second} decided, together, are exactly these, each once, and stay so: which of them fires a
     * departure is not fixed, that it fires once is.
     */
    private static void heardTogether(
            TestNode first, int since, TestNode second, String... decisions) {
        await().during(Duration.ofMillis(500))
                .atMost(WITHIN)
                .untilAsserted(
                        () -> {
                            List<String> heard =
                                    new ArrayList<>(
                                            first.decisions.heard.subList(
                                                    since, first.decisions.heard.size()));
                            heard.addAll(second.decisions.heard);
                            assertThat(heard).containsExactlyInAnyOrder(decisions);
                        });
    }

    @Test
    void answersForEveryNode() throws Exception {
        TestNode a = node();
        TestNode b = node();

        a.held.subscribe(APP, "news", "1.1");
        a.held.subscribe(APP, "news", "1.2");
        b.held.subscribe(APP, "news", "2.1");
        a.held.join(APP, "presence-room", "1.1", member("alice"));
        b.held.join(APP, "presence-room", "2.1", member("alice"));
        b.held.join(APP, "presence-room", "2.2", member("bob"));

        now(a.view().channels("app-id")); // each node's writes have landed before its own questions
        now(b.view().channels("app-id"));
        for (TestNode asked : List.of(a, b)) {
            assertThat(now(asked.view().subscriptionCount("app-id", "news"))).isEqualTo(3);
            assertThat(now(asked.view().userCount("app-id", "presence-room"))).isEqualTo(2);
            assertThat(now(asked.view().members("app-id", "presence-room")))
                    .containsExactlyInAnyOrder(member("alice"), member("bob"));
            assertThat(now(asked.view().channels("app-id")))
                    .isEqualTo(
                            Map.of(
                                    "news",
                                    new ClusterView.Counts(3, 0),
                                    "presence-room",
                                    new ClusterView.Counts(3, 2)));
            assertThat(now(asked.view().occupied("app-id", List.of("news", "sport"))))
                    .isEqualTo(Set.of("news"));
        }
    }

    @Test
    void decidesEachChangeOnOneNodeOnly() throws Exception {
        TestNode a = node();
        TestNode b = node();

        a.held.join(APP, "presence-room", "1.1", member("alice"));
        heardExactly(a, "occupied app-id presence-room", "added app-id presence-room alice by 1.1");
        b.held.join(APP, "presence-room", "2.1", member("alice"));
        assertThat(now(b.view().members("app-id", "presence-room")))
                .containsExactly(member("alice"));
        a.held.unsubscribe(APP, "presence-room", "1.1");
        assertThat(now(a.view().members("app-id", "presence-room")))
                .containsExactly(member("alice"));
        heardExactly(b);
        b.held.unsubscribe(APP, "presence-room", "2.1");

        heardExactly(b, "removed app-id presence-room alice", "vacated app-id presence-room");
        heardExactly(a, "occupied app-id presence-room", "added app-id presence-room alice by 1.1");
    }

    @Test
    void dropsANodeThatLeft() throws Exception {
        TestNode a = node();
        TestNode b = node();
        a.held.join(APP, "presence-room", "1.1", member("alice"));
        heardExactly(a, "occupied app-id presence-room", "added app-id presence-room alice by 1.1");
        b.held.join(APP, "presence-room", "2.1", member("bob"));
        heardExactly(b, "added app-id presence-room bob by 2.1");

        int before = a.decisions.heard.size();
        a.engine.stop().run();

        assertThat(now(b.view().members("app-id", "presence-room"))).containsExactly(member("bob"));
        assertThat(now(b.view().subscriptionCount("app-id", "presence-room"))).isEqualTo(1);
        // the leaving node may fire what its leaving means itself, or a survivor may: once
        heardTogether(
                a,
                before,
                b,
                "added app-id presence-room bob by 2.1",
                "removed app-id presence-room alice");
    }

    /**
     * A drained client that is back on another node by the drained node's goodbye was never gone:
     * no removal and no second addition for it, as after a crash reaped at the end of a lease; one
     * that is not back is removed by the goodbye.
     */
    @Test
    void aDrainingNodesMembersWhoAreBackElsewhereByItsGoodbyeWereNeverGone() throws Exception {
        TestNode a = node();
        TestNode b = node();
        b.held.join(APP, "presence-room", "2.1", member("wendy"));
        heardExactly(b, "occupied app-id presence-room", "added app-id presence-room wendy by 2.1");
        a.held.join(APP, "presence-room", "1.1", member("zed"));
        a.held.join(APP, "presence-room", "1.2", member("ann"));
        heardExactly(
                a,
                "added app-id presence-room zed by 1.1",
                "added app-id presence-room ann by 1.2");

        a.engine.drain().run();
        a.held.unsubscribe(APP, "presence-room", "1.1"); // both are told to reconnect
        a.held.unsubscribe(APP, "presence-room", "1.2");
        b.held.join(APP, "presence-room", "2.2", member("zed")); // zed is back, on b
        heardExactly(b, "occupied app-id presence-room", "added app-id presence-room wendy by 2.1");
        int before = a.decisions.heard.size();
        a.engine.stop().run();

        assertThat(now(b.view().members("app-id", "presence-room")))
                .containsExactlyInAnyOrder(member("wendy"), member("zed"));
        heardTogether(
                a,
                before,
                b,
                "occupied app-id presence-room",
                "added app-id presence-room wendy by 2.1",
                "removed app-id presence-room ann");
        assertThat(a.decisions.heard).doesNotContain("removed app-id presence-room zed");
    }

    @Test
    void dropsACrashedNodeWhenItsLeaseRunsOut() throws Exception {
        TestNode a = node();
        TestNode b = node();
        a.held.join(APP, "presence-room", "1.1", member("alice"));
        a.held.subscribe(APP, "news", "1.1");
        b.held.subscribe(APP, "sport", "2.1");
        // what one node wrote reaches another's answers soon, not in order with its own questions
        await().atMost(WITHIN).until(() -> now(b.view().subscriptionCount("app-id", "news")) == 1);

        a.engine.crash().run();

        await().atMost(LEASE.plus(WITHIN))
                .until(() -> now(b.view().subscriptionCount("app-id", "news")) == 0);
        assertThat(now(b.view().members("app-id", "presence-room"))).isEmpty();
        assertThat(now(b.view().channels("app-id")))
                .isEqualTo(Map.of("sport", new ClusterView.Counts(1, 0)));
        // the survivor fires what the death means, once
        await().atMost(WITHIN).until(() -> b.decisions.heard.size() >= 4);
        assertThat(b.decisions.heard)
                .containsExactlyInAnyOrder(
                        "occupied app-id sport",
                        "removed app-id presence-room alice",
                        "vacated app-id presence-room",
                        "vacated app-id news");
    }

    /**
     * What an engine checks once a dead node was reaped: that nothing of it is left in the shared
     * state. {@code node} counts the test's nodes in the order {@link #node} made them, from 0.
     */
    protected void assertNothingLeftOf(int node) throws Exception {}

    @Test
    void firesWhatACrashMeansOnceWhicheverSurvivorNoticesIt() throws Exception {
        TestNode a = node();
        TestNode b = node();
        TestNode c = node();
        a.held.join(APP, "presence-room", "1.1", member("alice"));
        a.held.join(APP, "presence-room", "1.2", member("carol"));
        a.held.subscribe(APP, "news", "1.1");
        // a decides carol's arrival only if its join is the first: wait for it before b's
        await().atMost(WITHIN).until(() -> a.decisions.heard.size() == 4);
        b.held.join(APP, "presence-room", "2.1", member("carol"));
        await().atMost(WITHIN).until(() -> now(c.view().userCount("app-id", "presence-room")) == 2);

        a.engine.crash().run();

        await().atMost(LEASE.plus(WITHIN))
                .until(() -> now(c.view().subscriptionCount("app-id", "news")) == 0);
        // both survivors beat; whichever claims the dead node fires, and only once
        heardTogether(b, 0, c, "removed app-id presence-room alice", "vacated app-id news");
        assertThat(now(c.view().members("app-id", "presence-room")))
                .containsExactly(member("carol"));
        assertThat(now(c.view().channels("app-id")))
                .isEqualTo(Map.of("presence-room", new ClusterView.Counts(1, 1)));
        assertNothingLeftOf(0);
    }
}
