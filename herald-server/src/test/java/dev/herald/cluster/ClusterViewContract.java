package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.App;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every cluster engine does for one node: the {@link ClusterView} answers what the node holds
 * as soon as its hub has reported the change, and its local events become cluster-wide decisions,
 * each heard once. Extended by each engine's test ({@code LocalClusterViewTest}); engines that span
 * nodes extend {@link ClusteredViewContract}.
 */
public abstract class ClusterViewContract {

    /** Long enough for a round trip to a busy Redis; a correct engine takes milliseconds. */
    protected static final Duration WITHIN = Duration.ofSeconds(5);

    protected static final App APP = App.of("app-id", "app-key", "app-secret");
    protected static final App OTHER = App.of("Az.09_-", "other-key", "other-secret");

    /**
     * One node of an engine: its answers, where its hub reports local changes, how a drain begins
     * (what its clients leave waits for the goodbye), and how it stops, as a shutdown does (with a
     * goodbye) and as a crash does (without).
     */
    public record Engine(
            ClusterView view,
            ChannelObserver localEvents,
            Runnable drain,
            Runnable stop,
            Runnable crash) {

        /** A node that is the whole cluster: nothing to say goodbye to. */
        public static Engine alone(ClusterView view, ChannelObserver localEvents) {
            return new Engine(view, localEvents, () -> {}, () -> {}, () -> {});
        }
    }

    /**
     * A started engine for one node, reading what {@code held} holds and telling {@code decisions}
     * what it decides; the subclass closes it after the test.
     */
    protected abstract Engine engine(LocalChannels held, ClusterObserver decisions)
            throws Exception;

    /** A test node: what it holds, what it decided, and its engine. */
    protected final class TestNode {
        final HeldChannels held = new HeldChannels();
        final RecordingDecisions decisions = new RecordingDecisions();
        final Engine engine;

        TestNode() throws Exception {
            engine = engine(held, decisions);
            held.reportTo(engine.localEvents());
        }

        ClusterView view() {
            return engine.view();
        }
    }

    protected TestNode node() throws Exception {
        return new TestNode();
    }

    protected static <T> T now(CompletionStage<T> answer) throws Exception {
        return answer.toCompletableFuture().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until the node heard exactly these decisions and no more follow for a while. */
    protected static void heardExactly(TestNode node, String... decisions) {
        await().during(Duration.ofMillis(300))
                .atMost(WITHIN)
                .untilAsserted(() -> assertThat(node.decisions.heard).containsExactly(decisions));
    }

    protected static Member member(String userId) {
        return new Member(userId, "{\"name\":\"" + userId + "\"}");
    }

    @Test
    void answersNothingForAnAppWithNoChannels() throws Exception {
        TestNode node = node();

        assertThat(now(node.view().subscriptionCount("app-id", "news"))).isZero();
        assertThat(now(node.view().userCount("app-id", "presence-room"))).isZero();
        assertThat(now(node.view().members("app-id", "presence-room"))).isEmpty();
        assertThat(now(node.view().channels("app-id"))).isEmpty();
        assertThat(now(node.view().occupied("app-id", List.of("news", "presence-room")))).isEmpty();
    }

    @Test
    void countsTheSocketsSubscribedHere() throws Exception {
        TestNode node = node();

        node.held.subscribe(APP, "news", "1.1");
        node.held.subscribe(APP, "news", "1.2");
        node.held.subscribe(APP, "private-chat", "1.1");

        assertThat(now(node.view().subscriptionCount("app-id", "news"))).isEqualTo(2);
        assertThat(now(node.view().subscriptionCount("app-id", "private-chat"))).isEqualTo(1);
        assertThat(now(node.view().userCount("app-id", "news"))).isZero();
        assertThat(now(node.view().channels("app-id")))
                .isEqualTo(
                        Map.of(
                                "news",
                                new ClusterView.Counts(2, 0),
                                "private-chat",
                                new ClusterView.Counts(1, 0)));
        assertThat(now(node.view().occupied("app-id", List.of("news", "sport", "private-chat"))))
                .isEqualTo(Set.of("news", "private-chat"));
    }

    @Test
    void listsSignedInUsersWithTheirConnectionsButNotAsChannels() throws Exception {
        TestNode node = node();

        node.held.subscribe(APP, ChannelKind.userChannel("alice"), "1.1");
        node.held.subscribe(APP, ChannelKind.userChannel("alice"), "1.2");
        node.held.subscribe(APP, ChannelKind.userChannel("bob"), "1.3");
        node.held.subscribe(APP, "news", "1.3");

        assertThat(now(node.view().signedInUsers("app-id")))
                .isEqualTo(Map.of("alice", 2, "bob", 1));
        assertThat(now(node.view().channels("app-id")))
                .isEqualTo(Map.of("news", new ClusterView.Counts(1, 0)));
    }

    @Test
    void listsPresenceMembersOncePerUser() throws Exception {
        TestNode node = node();

        node.held.join(APP, "presence-room", "1.1", member("alice"));
        node.held.join(APP, "presence-room", "1.2", member("alice"));
        node.held.join(APP, "presence-room", "1.3", member("bob"));

        assertThat(now(node.view().members("app-id", "presence-room")))
                .containsExactlyInAnyOrder(member("alice"), member("bob"));
        assertThat(now(node.view().userCount("app-id", "presence-room"))).isEqualTo(2);
        assertThat(now(node.view().subscriptionCount("app-id", "presence-room"))).isEqualTo(3);
        assertThat(now(node.view().channels("app-id")))
                .isEqualTo(Map.of("presence-room", new ClusterView.Counts(3, 2)));
    }

    @Test
    void keepsAMemberWithoutUserInfo() throws Exception {
        TestNode node = node();

        node.held.join(APP, "presence-room", "1.1", new Member("carol", null));

        assertThat(now(node.view().members("app-id", "presence-room")))
                .containsExactly(new Member("carol", null));
    }

    @Test
    void forgetsWhatWasLeft() throws Exception {
        TestNode node = node();
        node.held.join(APP, "presence-room", "1.1", member("alice"));
        node.held.join(APP, "presence-room", "1.2", member("bob"));
        node.held.subscribe(APP, "news", "1.1");

        node.held.unsubscribe(APP, "presence-room", "1.1");
        node.held.unsubscribe(APP, "news", "1.1");

        assertThat(now(node.view().members("app-id", "presence-room")))
                .containsExactly(member("bob"));
        assertThat(now(node.view().subscriptionCount("app-id", "news"))).isZero();
        assertThat(now(node.view().channels("app-id")))
                .isEqualTo(Map.of("presence-room", new ClusterView.Counts(1, 1)));
        assertThat(now(node.view().occupied("app-id", List.of("news", "presence-room"))))
                .isEqualTo(Set.of("presence-room"));
    }

    @Test
    void keepsAppsApart() throws Exception {
        TestNode node = node();

        node.held.subscribe(APP, "news", "1.1");
        node.held.join(OTHER, "presence-room", "1.2", member("alice"));

        assertThat(now(node.view().channels("app-id")))
                .isEqualTo(Map.of("news", new ClusterView.Counts(1, 0)));
        assertThat(now(node.view().channels("Az.09_-")))
                .isEqualTo(Map.of("presence-room", new ClusterView.Counts(1, 1)));
        assertThat(now(node.view().subscriptionCount("Az.09_-", "news"))).isZero();
        assertThat(now(node.view().members("app-id", "presence-room"))).isEmpty();
    }

    @Test
    void neverListsTheServersOwnChannels() throws Exception {
        TestNode node = node();

        node.held.subscribe(APP, "#server-to-user-alice", "1.1");
        node.held.subscribe(APP, "news", "1.1");

        assertThat(now(node.view().channels("app-id"))).containsOnlyKeys("news");
        assertThat(now(node.view().subscriptionCount("app-id", "#server-to-user-alice")))
                .isEqualTo(1);
    }

    @Test
    void carriesEveryValidChannelName() throws Exception {
        TestNode node = node();
        List<String> names =
                List.of("_-=@,.;", "private-encrypted-x|y", "presence-a:b|c", "a".repeat(164));

        for (int i = 0; i < names.size(); i++) {
            node.held.join(
                    OTHER,
                    names.get(i),
                    "1." + i,
                    names.get(i).startsWith("presence-") ? member("u|" + i) : null);
        }

        assertThat(now(node.view().channels("Az.09_-"))).containsOnlyKeys(names);
        assertThat(now(node.view().occupied("Az.09_-", names)))
                .containsExactlyInAnyOrderElementsOf(names);
        assertThat(now(node.view().members("Az.09_-", "presence-a:b|c")))
                .containsExactly(member("u|2"));
    }

    @Test
    void decidesOccupiedAndVacatedOncePerChannel() throws Exception {
        TestNode node = node();

        node.held.subscribe(APP, "news", "1.1");
        node.held.subscribe(APP, "news", "1.2");
        node.held.unsubscribe(APP, "news", "1.1");
        heardExactly(node, "occupied app-id news");
        node.held.unsubscribe(APP, "news", "1.2");

        heardExactly(node, "occupied app-id news", "vacated app-id news");
    }

    @Test
    void decidesAddedAndRemovedOncePerUser() throws Exception {
        TestNode node = node();

        node.held.join(APP, "presence-room", "1.1", member("alice"));
        node.held.join(APP, "presence-room", "1.2", member("alice"));
        node.held.unsubscribe(APP, "presence-room", "1.1");
        heardExactly(
                node, "occupied app-id presence-room", "added app-id presence-room alice by 1.1");
        node.held.unsubscribe(APP, "presence-room", "1.2");

        heardExactly(
                node,
                "occupied app-id presence-room",
                "added app-id presence-room alice by 1.1",
                "removed app-id presence-room alice",
                "vacated app-id presence-room");
    }
}
