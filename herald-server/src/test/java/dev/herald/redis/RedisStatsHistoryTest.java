package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.activity.SharedStatsHistoryContract;
import dev.herald.activity.StatsHistory;
import dev.herald.activity.StatsSeries.Span;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The stats history contract on the real Redis, each engine with connections of its own. */
class RedisStatsHistoryTest extends SharedStatsHistoryContract {

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final Map<StatsHistory, RedisConnections> connections = new IdentityHashMap<>();
    private final List<StatsHistory> histories = new ArrayList<>();

    @Override
    protected RedisStatsHistory history() {
        RedisConnections node = redis.connect();
        RedisStatsHistory history = new RedisStatsHistory(node).start();
        connections.put(history, node);
        histories.add(history);
        return history;
    }

    /**
     * A record is sent without waiting; a round trip on the same connection comes back after it.
     */
    @Override
    protected void landed(StatsHistory history) {
        connections.get(history).sync().ping();
    }

    @AfterEach
    void closeHistories() {
        histories.forEach(StatsHistory::close);
    }

    private RedisClusterCommands<String, String> sync() {
        return redis.connect().sync();
    }

    @Test
    void keepsEveryKeyALittleOverADayAfterItsLastWrite() {
        RedisStatsHistory history = history();
        RedisKeys keys = connections.get(history).keys();

        history.record("1", APP, T, 3, 30);
        landed(history);

        long day = 24 * 3_600_000L;
        for (String key : List.of(keys.statsNodes(APP), keys.statsRings(APP, "1"))) {
            assertThat(sync().pttl(key)).isGreaterThan(day).isLessThanOrEqualTo(day + 600_000);
        }
    }

    @Test
    void neverHoldsMoreThanBothRingsOfSlots() {
        RedisStatsHistory history = history();

        // a step a minute for more than a day, then every step of more than an hour
        for (long minute = 0; minute < 1_500; minute++) {
            history.record("1", APP, T + minute * MINUTE, 1, 1);
        }
        long after = T + 1_500 * MINUTE;
        for (long step = 0; step < 400; step++) {
            history.record("1", APP, after + step * S, 2, 2);
        }
        landed(history);

        long fields = sync().hlen(connections.get(history).keys().statsRings(APP, "1"));
        assertThat(fields).isEqualTo(360 + 1_440);
        assertThat(history.series(APP, Span.DAY, after + 399 * S).totalConnections())
                .hasSize(1_440);
    }

    @Test
    void forgetsANodeSilentForLongerThanItsFiguresAreKept() {
        RedisStatsHistory history = history();
        history.record("1", APP, T, 3, 30);
        long later = T + RedisStatsHistory.KEEP.toMillis() + S;

        history.record("2", APP, later, 4, 40);

        assertThat(history.series(APP, Span.DAY, later).connections()).containsOnlyKeys("2");
        assertThat(sync().zrange(connections.get(history).keys().statsNodes(APP), 0, -1))
                .containsExactly("2");
    }

    @Test
    void keepsANodesLatestStepInTheIndexWhenAnOlderOneIsRecordedAgain() {
        RedisStatsHistory history = history();
        history.record("1", APP, T + HOUR, 3, 30);

        history.record("1", APP, T, 1, 1);
        landed(history);

        assertThat(sync().zscore(connections.get(history).keys().statsNodes(APP), "1"))
                .isEqualTo((double) (T + HOUR));
    }

    @Test
    void refusesWhatItCannotRecordAndRecordsNothing() {
        RedisStatsHistory history = history();
        long max = RedisStatsHistory.MAX_FIGURE;

        assertThatThrownBy(() -> history.record("1", "team|blue", T, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'|'");
        assertThatThrownBy(() -> history.record("1", "x".repeat(256), T, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> history.record("", APP, T, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> history.record("1".repeat(256), APP, T, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> history.record("1", APP, T + 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 10000");
        assertThatThrownBy(() -> history.record("1", APP, -S, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> history.record("1", APP, T, -1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connections");
        assertThatThrownBy(() -> history.record("1", APP, T, 1, max + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messages");
        assertThatThrownBy(() -> history.series("team|blue", Span.HOUR, T))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> history.series(APP, Span.HOUR, -1))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void addsUpTheLargestFiguresExactly() {
        RedisStatsHistory history = history();
        long max = RedisStatsHistory.MAX_FIGURE;

        for (int i = 0; i < 6; i++) {
            history.record("1", APP, T + i * S, max, max);
        }

        assertThat(last(history.series(APP, Span.HOUR, T + 5 * S).connections().get("1")))
                .isEqualTo(max);
        assertThat(last(history.series(APP, Span.DAY, T + 5 * S).connections().get("1")))
                .isEqualTo(max);
        assertThat(last(history.series(APP, Span.DAY, T + 5 * S).messages().get("1")))
                .isEqualTo(6 * max);
    }

    @Test
    void saysWhenRedisDoesNotAnswer() {
        RedisConnections node = redis.connect();
        RedisStatsHistory history = new RedisStatsHistory(node);
        node.close();

        assertThatThrownBy(() -> history.series(APP, Span.HOUR, T))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("app-id");
        history.record("1", APP, T, 1, 1); // sent nowhere, without throwing
        history.close();
    }
}
