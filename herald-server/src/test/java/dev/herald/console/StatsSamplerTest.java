package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.LocalStatsHistory;
import dev.herald.activity.StatsSeries;
import dev.herald.apps.App;
import dev.herald.apps.StaticAppStore;
import dev.herald.testing.SessionHarness;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatsSamplerTest {

    private static final App APP = App.of("1", "key-1", "secret-1");
    private static final long T0 = 1_764_900_000_000L; // a multiple of 10 s

    private final SessionHarness harness = new SessionHarness(2);
    private final LocalStatsHistory history = new LocalStatsHistory().start();

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void eachStepRecordsTheConnectionsThenAndTheMessagesSentDuringIt() {
        StatsSampler sampler =
                new StatsSampler("n1", new StaticAppStore(List.of(APP)), harness.hub, history);
        sampler.sample(T0); // the baseline: nothing is recorded for the time before it

        SessionHarness.Client one = harness.connect(APP);
        SessionHarness.Client two = harness.connect(APP);
        one.frames();
        two.frames();
        sampler.sample(T0 + 10_000);
        one.channel.close();
        one.frames();
        sampler.sample(T0 + 20_000);

        StatsSeries hour = history.series("1", StatsSeries.Span.HOUR, T0 + 20_000);
        long[] connections = hour.connections().get("n1");
        long[] messages = hour.messages().get("n1");
        int last = hour.span().steps() - 1; // the step that holds "now" (T0 + 20 s) is empty
        assertThat(connections[last - 2]).isEqualTo(2);
        assertThat(connections[last - 1]).isEqualTo(1);
        // each connection was sent pusher:connection_established in the first step
        assertThat(messages[last - 2]).isEqualTo(2);
        assertThat(messages[last - 1]).isZero();
        assertThat(connections[last - 3]).as("before the baseline").isZero();
    }
}
