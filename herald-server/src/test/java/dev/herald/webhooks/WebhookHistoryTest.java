package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.webhooks.WebhookReport.Outcome;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node-wide bounds of {@link WebhookHistory}, which a test through the dispatcher would need
 * hundreds of megabytes of events to reach: batches are made here and reported as the outboxes
 * report them.
 */
class WebhookHistoryTest {

    private final WebhookHistory history = new WebhookHistory(() -> 1_000L);
    private long ids;

    private Batch batch(int bodyBytes) {
        int[] counts = new int[EventType.values().length];
        counts[EventType.CHANNEL_OCCUPIED.ordinal()] = 1;
        return new Batch(
                "test-" + ++ids,
                new byte[bodyBytes],
                "sig",
                1,
                counts,
                EventType.CHANNEL_OCCUPIED.rank(),
                EventType.CHANNEL_OCCUPIED,
                0,
                1_000,
                null);
    }

    private static TargetOutbox.Attempt attempt(int status, Outcome outcome) {
        return new TargetOutbox.Attempt(1, status, null, 3, outcome, -1);
    }

    private static App app(String id, WebhookTarget... targets) {
        return App.of(id, "key-" + id, "secret-" + id).withWebhooks(List.of(targets));
    }

    @Test
    void allAppsTogetherKeepAtMostTheirNodeWideBytesAndTheLargestAppPays() {
        WebhookTarget target = WebhookTarget.all(URI.create("http://127.0.0.1:9/hooks"));
        // ten bodies fill an app's share; seven apps' shares are more than the node keeps
        int body = (int) (WebhookHistory.KEPT_MAX_BYTES / 10) - 1_024;
        int apps = (int) (WebhookHistory.KEPT_MAX_TOTAL_BYTES / WebhookHistory.KEPT_MAX_BYTES) + 1;
        List<List<String>> idsByApp = new ArrayList<>();
        for (int a = 0; a < apps; a++) {
            App app = app("a" + a, target);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Batch batch = batch(body);
                ids.add(batch.id());
                history.attempted(null, app, target, batch, attempt(500, Outcome.FAILED));
            }
            idsByApp.add(ids);
        }

        assertThat(history.keptBytes()).isLessThanOrEqualTo(WebhookHistory.KEPT_MAX_TOTAL_BYTES);
        long evicted = 0;
        long kept = 0;
        for (int a = 0; a < apps; a++) {
            WebhookReport.Kept share = history.report("a" + a, List.of()).kept();
            assertThat(share.evictedByBytes()).isZero();
            assertThat(share.evictedByCount()).isZero();
            evicted += share.evictedNodeWide();
            kept += share.batches();
            List<String> ids = idsByApp.get(a);
            List<String> keptIds =
                    history.report("a" + a, List.of()).failed().stream()
                            .filter(WebhookReport.FailedBatch::replayable)
                            .map(WebhookReport.FailedBatch::id)
                            .toList();
            List<String> newest = new ArrayList<>(ids.subList(10 - share.batches(), 10));
            java.util.Collections.reverse(newest);
            assertThat(keptIds).as("app a%d keeps its newest", a).isEqualTo(newest);
        }
        assertThat(evicted).isPositive().isEqualTo(apps * 10L - kept);
        List<Integer> shares = new ArrayList<>();
        for (int a = 0; a < apps; a++) {
            shares.add(history.report("a" + a, List.of()).kept().batches());
        }
        assertThat(java.util.Collections.max(shares) - java.util.Collections.min(shares))
                .as("each eviction is the largest app's: %s", shares)
                .isLessThanOrEqualTo(1);
    }

    @Test
    void theNodeKeepsAtMostItsLogEntriesAndDropsTheLeastRecentlyActiveTargetsLog() {
        App app = app("many");
        int targets = WebhookHistory.LOG_MAX_ENTRIES / WebhookHistory.LOG_PER_TARGET + 1;
        List<WebhookTarget> all = new ArrayList<>();
        for (int t = 0; t < targets; t++) {
            WebhookTarget target = WebhookTarget.all(URI.create("http://127.0.0.1:9/t" + t));
            all.add(target);
            for (int i = 0; i < WebhookHistory.LOG_PER_TARGET; i++) {
                history.attempted(null, app, target, batch(10), attempt(200, Outcome.DELIVERED));
            }
        }

        assertThat(history.logEntries()).isLessThanOrEqualTo(WebhookHistory.LOG_MAX_ENTRIES);
        assertThat(history.logBytes("many", all.get(0))).as("the first target's log").isZero();
        assertThat(history.logBytes("many", all.get(targets - 1))).isPositive();
        WebhookReport report = history.report("many", List.of());
        assertThat(report.targets()).hasSize(targets - 1);
        assertThat(report.targets().get(0).target())
                .isEqualTo("http://127.0.0.1:9/t" + (targets - 1));
        assertThat(report.targets().get(0).deliveries()).hasSize(WebhookHistory.LOG_PER_TARGET);
        assertThat(history.logBytes())
                .isLessThanOrEqualTo(
                        (long) WebhookHistory.LOG_MAX_ENTRIES * WebhookHistory.ENTRY_MAX_BYTES);
    }

    @Test
    void aBatchInFlightWhoseLogWasDroppedIsLoggedAgainAtItsNextAnswer() {
        App app = app("moving");
        WebhookTarget slow = WebhookTarget.all(URI.create("http://127.0.0.1:9/slow"));
        Batch retried = batch(10);
        WebhookHistory.Entry entry =
                history.attempted(
                        null,
                        app,
                        slow,
                        retried,
                        new TargetOutbox.Attempt(1, 503, null, 3, Outcome.RETRYING, 5_000));
        // enough other targets answer meanwhile that the slow target's log goes
        for (int t = 0; t < WebhookHistory.LOG_MAX_ENTRIES / WebhookHistory.LOG_PER_TARGET; t++) {
            WebhookTarget other = WebhookTarget.all(URI.create("http://127.0.0.1:9/o" + t));
            for (int i = 0; i < WebhookHistory.LOG_PER_TARGET; i++) {
                history.attempted(null, app, other, batch(10), attempt(200, Outcome.DELIVERED));
            }
        }
        assertThat(history.logBytes("moving", slow)).isZero();
        int entries = history.logEntries();

        history.attempted(entry, app, slow, retried, attempt(200, Outcome.DELIVERED));

        assertThat(history.logEntries()).isLessThanOrEqualTo(WebhookHistory.LOG_MAX_ENTRIES);
        assertThat(history.logEntries()).isLessThanOrEqualTo(entries + 1);
        assertThat(history.logBytes("moving", slow)).isEqualTo(entry.bytes());
        assertThat(history.report("moving", List.of()).targets().get(0).deliveries())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.id()).isEqualTo(retried.id());
                            assertThat(d.outcome()).isEqualTo(Outcome.DELIVERED);
                        });
    }

    @Test
    void aReasonIsCutToItsBoundWhoeverGaveIt() {
        App app = app("loud");
        WebhookTarget target = WebhookTarget.all(URI.create("http://127.0.0.1:9/loud"));
        String loud = "r".repeat(1_000_000);

        history.attempted(
                null,
                app,
                target,
                batch(10),
                new TargetOutbox.Attempt(1, -1, loud, 3, Outcome.RETRYING, 5_000));

        assertThat(history.report("loud", List.of()).targets().get(0).deliveries().get(0).reason())
                .hasSize(WebhookHistory.MAX_REASON_CHARS);
        assertThat(history.logBytes("loud", target))
                .isLessThanOrEqualTo(WebhookHistory.ENTRY_MAX_BYTES);
    }

    @Test
    void aBatchEvictedWhileItsReplayIsOnItsWayNoLongerHoldsItsEvents() {
        App app = app("evicting");
        WebhookTarget target = WebhookTarget.all(URI.create("http://127.0.0.1:9/e"));
        Batch first = batch(1_000);
        history.attempted(null, app, target, first, attempt(500, Outcome.FAILED));
        WebhookHistory.Claim claim = history.claim("evicting", first.id());
        assertThat(claim.refusal()).isNull();
        assertThat(claim.body()).isSameAs(first.body());

        for (int i = 0; i < WebhookHistory.KEPT_MAX_BATCHES; i++) {
            history.attempted(null, app, target, batch(1_000), attempt(500, Outcome.FAILED));
        }

        assertThat(history.report("evicting", List.of()).kept().evictedByCount()).isEqualTo(1);
        assertThat(claim.kept().body).as("released with the store's share").isNull();
        assertThat(claim.body()).as("the replay's own copy of the reference").isNotNull();
    }
}
