package dev.herald.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.StatsSeries.Span;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StatsHistory} does. Extended by {@code LocalStatsHistoryTest}; engines shared
 * by nodes extend {@link SharedStatsHistoryContract}. Time is the test's: every figure is recorded
 * and read at a {@code now} it chooses, so nothing waits.
 */
public abstract class StatsHistoryContract {

    protected static final String APP = "app-id";
    protected static final String OTHER_APP = "other-app";

    /** The start of a minute (and so of a 10-second step), in epoch milliseconds. */
    protected static final long T = 1_700_000_040_000L;

    protected static final long S = StatsHistory.STEP_MILLIS;
    protected static final long MINUTE = 60_000;
    protected static final long HOUR = 3_600_000;
    protected static final long DAY = 24 * HOUR;

    /** A started, empty history; the subclass closes it after the test. */
    protected abstract StatsHistory history() throws Exception;

    /** The last value of a series: the step (or minute) that holds {@code now}. */
    protected static long last(long[] series) {
        return series[series.length - 1];
    }

    protected static long sum(long[] series) {
        return Arrays.stream(series).sum();
    }

    @Test
    void answersAnEmptySpanForAnAppNobodyRecorded() throws Exception {
        StatsHistory history = history();

        for (Span span : Span.values()) {
            StatsSeries series = history.series(APP, span, T + 5_000);

            assertThat(series.span()).isEqualTo(span);
            assertThat(series.start()).isEqualTo(span.start(T + 5_000));
            assertThat(series.connections()).isEmpty();
            assertThat(series.messages()).isEmpty();
            assertThat(series.totalConnections()).hasSize(span.steps()).containsOnly(0L);
            assertThat(series.totalMessages()).hasSize(span.steps()).containsOnly(0L);
        }
    }

    @Test
    void holdsEachTenSecondStepOfTheLastHour() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 3, 30);
        history.record("1", APP, T + S, 4, 40);
        history.record("1", APP, T + 2 * S, 5, 50);

        StatsSeries series = history.series(APP, Span.HOUR, T + 2 * S + 5_000);
        assertThat(series.start()).isEqualTo(T + 2 * S - 359 * S);
        long[] connections = series.connections().get("1");
        long[] messages = series.messages().get("1");
        assertThat(connections).hasSize(360);
        assertThat(Arrays.copyOfRange(connections, 357, 360)).containsExactly(3, 4, 5);
        assertThat(Arrays.copyOfRange(messages, 357, 360)).containsExactly(30, 40, 50);
        assertThat(sum(connections)).isEqualTo(12);
        assertThat(sum(messages)).isEqualTo(120);
    }

    @Test
    void leavesAStepNotRecordedAtZero() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 3, 30);
        history.record("1", APP, T + 2 * S, 5, 50);

        long[] connections = history.series(APP, Span.HOUR, T + 2 * S).connections().get("1");
        assertThat(Arrays.copyOfRange(connections, 357, 360)).containsExactly(3, 0, 5);
    }

    @Test
    void replacesAStepRecordedAgainInBothSpans() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 3, 30);
        history.record("1", APP, T, 7, 1);

        StatsSeries hour = history.series(APP, Span.HOUR, T);
        assertThat(last(hour.connections().get("1"))).isEqualTo(7);
        assertThat(last(hour.messages().get("1"))).isEqualTo(1);
        StatsSeries day = history.series(APP, Span.DAY, T);
        assertThat(last(day.connections().get("1"))).isEqualTo(7);
        assertThat(last(day.messages().get("1"))).isEqualTo(1);
    }

    @Test
    void holdsInAMinuteTheMostConnectionsAndTheSumOfMessagesOfItsSteps() throws Exception {
        StatsHistory history = history();
        long[] connections = {3, 9, 4, 1, 2, 5};

        for (int i = 0; i < 6; i++) {
            history.record("1", APP, T + i * S, connections[i], i + 1);
        }
        history.record("1", APP, T + MINUTE, 2, 7);

        StatsSeries day = history.series(APP, Span.DAY, T + MINUTE + 30_000);
        assertThat(day.start()).isEqualTo(T + MINUTE - 1439 * MINUTE);
        long[] c = day.connections().get("1");
        long[] m = day.messages().get("1");
        assertThat(c).hasSize(1_440);
        assertThat(Arrays.copyOfRange(c, 1437, 1440)).containsExactly(0, 9, 2);
        assertThat(Arrays.copyOfRange(m, 1437, 1440)).containsExactly(0, 21, 7);
    }

    @Test
    void holdsAMinuteInProgressFromTheStepsSoFar() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 4, 2);
        history.record("1", APP, T + S, 6, 3);

        StatsSeries day = history.series(APP, Span.DAY, T + S + 1);
        assertThat(last(day.connections().get("1"))).isEqualTo(6);
        assertThat(last(day.messages().get("1"))).isEqualTo(5);
    }

    @Test
    void recomputesTheMinuteOfAStepRecordedAgain() throws Exception {
        StatsHistory history = history();
        history.record("1", APP, T, 9, 5);
        history.record("1", APP, T + S, 4, 1);

        history.record("1", APP, T, 2, 3);

        StatsSeries day = history.series(APP, Span.DAY, T + S);
        assertThat(last(day.connections().get("1"))).isEqualTo(4);
        assertThat(last(day.messages().get("1"))).isEqualTo(4);
    }

    @Test
    void forgetsStepsOlderThanTheHour() throws Exception {
        StatsHistory history = history();
        history.record("1", APP, T, 5, 50);

        StatsSeries stillIn = history.series(APP, Span.HOUR, T + HOUR - S);
        assertThat(stillIn.start()).isEqualTo(T);
        assertThat(stillIn.connections().get("1")[0]).isEqualTo(5);
        assertThat(sum(stillIn.connections().get("1"))).isEqualTo(5);

        StatsSeries out = history.series(APP, Span.HOUR, T + HOUR);
        assertThat(out.totalConnections()).containsOnly(0L);
        assertThat(out.totalMessages()).containsOnly(0L);

        // the same slot of a ring an hour later: only the new step is there
        history.record("1", APP, T + HOUR, 6, 60);
        StatsSeries next = history.series(APP, Span.HOUR, T + HOUR);
        assertThat(last(next.connections().get("1"))).isEqualTo(6);
        assertThat(sum(next.connections().get("1"))).isEqualTo(6);
        assertThat(sum(next.messages().get("1"))).isEqualTo(60);
    }

    @Test
    void forgetsMinutesOlderThanTheDay() throws Exception {
        StatsHistory history = history();
        history.record("1", APP, T, 5, 50);

        StatsSeries stillIn = history.series(APP, Span.DAY, T + DAY - MINUTE);
        assertThat(stillIn.start()).isEqualTo(T);
        assertThat(stillIn.connections().get("1")[0]).isEqualTo(5);
        assertThat(stillIn.messages().get("1")[0]).isEqualTo(50);

        StatsSeries out = history.series(APP, Span.DAY, T + DAY);
        assertThat(out.totalConnections()).containsOnly(0L);
        assertThat(out.totalMessages()).containsOnly(0L);

        history.record("1", APP, T + DAY, 6, 60);
        StatsSeries next = history.series(APP, Span.DAY, T + DAY);
        assertThat(last(next.connections().get("1"))).isEqualTo(6);
        assertThat(sum(next.messages().get("1"))).isEqualTo(60);
    }

    @Test
    void keepsOneSeriesPerNode() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 3, 30);
        history.record("2", APP, T, 4, 1);
        history.record("2", APP, T + S, 8, 2);

        StatsSeries hour = history.series(APP, Span.HOUR, T + S);
        assertThat(hour.connections()).containsOnlyKeys("1", "2");
        assertThat(Arrays.copyOfRange(hour.connections().get("1"), 358, 360)).containsExactly(3, 0);
        assertThat(Arrays.copyOfRange(hour.connections().get("2"), 358, 360)).containsExactly(4, 8);
        assertThat(Arrays.copyOfRange(hour.totalConnections(), 358, 360)).containsExactly(7, 8);
        assertThat(Arrays.copyOfRange(hour.totalMessages(), 358, 360)).containsExactly(31, 2);
        StatsSeries day = history.series(APP, Span.DAY, T + S);
        assertThat(last(day.totalConnections())).isEqualTo(11); // 3 on one node, 8 on the other
        assertThat(last(day.totalMessages())).isEqualTo(33);
    }

    @Test
    void keepsAppsApart() throws Exception {
        StatsHistory history = history();

        history.record("1", APP, T, 3, 30);
        history.record("1", OTHER_APP, T, 4, 40);

        assertThat(last(history.series(APP, Span.HOUR, T).connections().get("1"))).isEqualTo(3);
        assertThat(last(history.series(OTHER_APP, Span.HOUR, T).connections().get("1")))
                .isEqualTo(4);
        assertThat(history.series("third-app", Span.DAY, T).connections()).isEmpty();
    }
}
