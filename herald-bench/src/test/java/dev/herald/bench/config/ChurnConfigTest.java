package dev.herald.bench.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChurnConfigTest {
    @Test
    void churnDefaultsMixChannelKindsAndRunFanOutBeside() {
        BenchConfig c = BenchConfig.resolve(Scenario.CHURN, new BenchOptions());
        assertThat(c.channelType()).isEqualTo(ChannelType.MIXED);
        assertThat(c.channelsPerConn()).isEqualTo(3);
        assertThat(c.lifetimeMs()).isEqualTo(4000);
        assertThat(c.clientEventRate()).isEqualTo(1);
        assertThat(c.triggerRate()).isEqualTo(20);
        assertThat(c.sampleEveryMs()).isZero();
        assertThat(c.httpConnections()).isEqualTo(1);
        // other scenarios do not churn
        BenchConfig f = BenchConfig.resolve(Scenario.FANOUT, new BenchOptions());
        assertThat(f.lifetimeMs()).isZero();
        assertThat(f.triggerRate()).isZero();
    }

    @Test
    void aMixedPlanGivesEachConnectionOnePublicOnePrivateAndOnePresenceChannel() {
        ChannelPlan plan = new ChannelPlan(100, 30, 3, ChannelType.MIXED, "bench-");
        assertThat(plan.name(0)).isEqualTo("bench-0");
        assertThat(plan.name(1)).isEqualTo("private-bench-0");
        assertThat(plan.name(2)).isEqualTo("presence-bench-0");
        assertThat(plan.name(3)).isEqualTo("bench-1");
        assertThat(plan.publicChannels()).isEqualTo(10);
        for (int i = 0; i < 100; i++) {
            Set<ChannelType> kinds = new HashSet<>();
            for (int j = 0; j < 3; j++) {
                kinds.add(plan.typeOf(plan.channelOf(i, j)));
            }
            assertThat(kinds)
                    .containsExactlyInAnyOrder(
                            ChannelType.PUBLIC, ChannelType.PRIVATE, ChannelType.PRESENCE);
        }
        // the publisher's plan of the public channels names them as the mixed plan does
        ChannelPlan publisher =
                new ChannelPlan(0, plan.publicChannels(), 1, ChannelType.PUBLIC, "bench-");
        for (int p = 0; p < publisher.channels(); p++) {
            assertThat(publisher.name(p)).isEqualTo(plan.name(3 * p));
        }
        assertThat(new ChannelPlan(1, 31, 1, ChannelType.MIXED, "b").publicChannels())
                .isEqualTo(11);
        assertThat(new ChannelPlan(1, 5, 1, ChannelType.PRIVATE, "b").publicChannels()).isZero();
    }

    @Test
    void churnFlagsAreValidated() {
        BenchOptions o = new BenchOptions();
        o.lifetime = Duration.ofSeconds(1);
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, o))
                .hasMessageContaining("churn only");
        BenchOptions m = new BenchOptions();
        m.channelType = ChannelType.MIXED;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.IDLE, m))
                .hasMessageContaining("mixed applies to churn only");
        BenchOptions s = new BenchOptions();
        s.sampleEvery = Duration.ofSeconds(10);
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CHURN, s))
                .hasMessageContaining("--server-pid");
        s.serverPid = 1L;
        s.sampleEvery = Duration.ofMillis(100);
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CHURN, s))
                .hasMessageContaining("at least 1s");
        BenchOptions e = new BenchOptions();
        e.lifetime = Duration.ZERO;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CHURN, e))
                .hasMessageContaining("--lifetime > 0");
        e.clientEventRate = 0.0;
        assertThat(BenchConfig.resolve(Scenario.CHURN, e).lifetimeMs()).isZero();
    }
}
