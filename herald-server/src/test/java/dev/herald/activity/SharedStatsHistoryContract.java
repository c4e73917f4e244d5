package dev.herald.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.StatsSeries.Span;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What a {@link StatsHistory} kept outside the node does on top of {@link StatsHistoryContract}:
 * every call of {@link #history} is another node's engine on the same store, so each reads what
 * every other recorded, and an engine started again finds what it recorded before (closing an
 * engine lands what it recorded). Extended by {@code RedisStatsHistoryTest}.
 */
public abstract class SharedStatsHistoryContract extends StatsHistoryContract {

    /** Waits until what {@code history} recorded so far is visible to every engine. */
    protected abstract void landed(StatsHistory history) throws Exception;

    @Test
    void everyNodeReadsEveryNodesFigures() throws Exception {
        StatsHistory one = history();
        StatsHistory two = history();

        one.record("1", APP, T, 3, 30);
        two.record("2", APP, T, 4, 40);
        landed(one);
        landed(two);

        for (StatsHistory reader : new StatsHistory[] {one, two}) {
            StatsSeries hour = reader.series(APP, Span.HOUR, T);
            assertThat(hour.connections()).containsOnlyKeys("1", "2");
            assertThat(last(hour.connections().get("1"))).isEqualTo(3);
            assertThat(last(hour.messages().get("2"))).isEqualTo(40);
            assertThat(last(reader.series(APP, Span.DAY, T).totalConnections())).isEqualTo(7);
        }
    }

    @Test
    void keepsTheFiguresAcrossARestart() throws Exception {
        StatsHistory before = history();
        for (int i = 0; i < 6; i++) {
            before.record("1", APP, T + i * S, i, 10);
        }
        before.close();

        StatsHistory after = history();

        StatsSeries hour = after.series(APP, Span.HOUR, T + 5 * S);
        assertThat(Arrays.copyOfRange(hour.connections().get("1"), 354, 360))
                .containsExactly(0, 1, 2, 3, 4, 5);
        StatsSeries day = after.series(APP, Span.DAY, T + 5 * S);
        assertThat(last(day.connections().get("1"))).isEqualTo(5);
        assertThat(last(day.messages().get("1"))).isEqualTo(60);
    }
}
