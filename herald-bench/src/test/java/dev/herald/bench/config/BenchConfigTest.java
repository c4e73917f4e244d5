package dev.herald.bench.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
    @Test
    void scenarioDefaultsApplyUnlessOverridden() {
        BenchOptions o = new BenchOptions();
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.connections()).isEqualTo(2000);
        assertThat(c.rate()).isEqualTo(20);
        o.connections = 200;
        o.rate = 10.0;
        o.duration = Duration.ofSeconds(10);
        c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.connections()).isEqualTo(200);
        assertThat(c.durationMs()).isEqualTo(10_000);
        assertThat(BenchConfig.resolve(Scenario.IDLE, new BenchOptions()).channelsPerConn()).isEqualTo(2);
    }

    @Test
    void refusesNonLoopbackTargets() {
        BenchOptions o = new BenchOptions();
        o.host = "10.0.0.1";
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, o)).hasMessageContaining("loopback");
        o.host = "127.0.0.2";
        assertThat(BenchConfig.resolve(Scenario.FANOUT, o).host()).isEqualTo("127.0.0.2");
    }

    @Test
    void validatesCombinations() {
        BenchOptions o = new BenchOptions();
        o.channelType = ChannelType.PUBLIC;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CLIENT_EVENTS, o)).hasMessageContaining("private");
        BenchOptions k = new BenchOptions();
        k.channels = 2;
        k.channelsPerConn = 3;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, k)).hasMessageContaining("channels-per-conn");
        BenchOptions f = new BenchOptions();
        f.findMax = true;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.IDLE, f)).hasMessageContaining("fanout");
    }

    @Test
    void sharesSplitRatesAndPendingByConnections() {
        BenchOptions o = new BenchOptions();
        o.connections = 1000;
        o.rate = 500.0;
        BenchConfig c = BenchConfig.resolve(Scenario.CLIENT_EVENTS, o);
        FleetConfig share = FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 250, 500);
        assertThat(share.size()).isEqualTo(250);
        assertThat(share.rate()).isEqualTo(125.0);
        assertThat(share.total()).isEqualTo(1000);
    }

    @Test
    void clientEventRateFollowsTheSendersOfEachShare() {
        BenchOptions o = new BenchOptions();
        o.connections = 400;
        o.rate = 400.0;
        o.senders = 200;
        BenchConfig c = BenchConfig.resolve(Scenario.CLIENT_EVENTS, o);
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 0, 200).rate()).isEqualTo(400.0);
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 200, 400).rate()).isEqualTo(0.0);
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 100, 300).rate()).isEqualTo(200.0);
    }

    @Test
    void durations() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.format(Duration.ofSeconds(3))).isEqualTo("3s");
    }

    @Test
    void channelPlanSpreadsSubscribersAndKeepsAConnectionsChannelsDistinct() {
        ChannelPlan p = new ChannelPlan(15_000, 100, 1, ChannelType.PUBLIC, "bench-");
        for (int c = 0; c < 100; c++) {
            assertThat(p.subscribers(c)).isEqualTo(150);
        }
        ChannelPlan two = new ChannelPlan(1000, 10, 3, ChannelType.PRESENCE, "b-");
        for (int i = 0; i < 1000; i++) {
            assertThat(java.util.Set.of(two.channelOf(i, 0), two.channelOf(i, 1), two.channelOf(i, 2))).hasSize(3);
        }
        assertThat(two.name(7)).isEqualTo("presence-b-7");
        long sum = 0;
        for (int c = 0; c < 10; c++) {
            sum += two.subscribers(c);
        }
        assertThat(sum).isEqualTo(3000);
    }
}
