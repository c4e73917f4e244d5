package dev.herald.bench.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.BenchOptions;
import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.ChannelType;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.http.PublishTargets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StormPlanTest {
    private static BenchConfig storm(int n, int... ports) {
        BenchOptions o = new BenchOptions();
        o.ports = java.util.Arrays.stream(ports).boxed().toList();
        o.stormNodePid = 4242L;
        o.connections = n;
        return BenchConfig.resolve(Scenario.RECONNECT_STORM, o);
    }

    private static Set<String> names(PublishTargets t) {
        Set<String> s = new HashSet<>();
        for (int i = 0; i < t.size(); i++) {
            s.addAll(t.channels(i));
        }
        return s;
    }

    @Test
    void theStormNodesClientsMoveAndGetMarkersOnTheirLastChannel() {
        BenchConfig c = storm(10_000, 7001, 7002);
        StormPlan p = StormPlan.of(c, 7002);
        assertThat(p.moved()).isEqualTo(5_000);
        assertThat(p.movedByKind().values().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(5_000);
        assertThat(p.movedByKind().get("private")).isBetween(950, 1_050);
        assertThat(p.movedByKind().get("presence")).isBetween(450, 550);
        ChannelPlan plan = new ChannelPlan(10_000, 1000, 2, ChannelType.PUBLIC, "bench-", 0.2, 0.1);
        Set<String> steady = names(p.steady());
        Set<String> markers = names(p.markers());
        int expected = 0;
        for (int i = 0; i < 10_000; i++) {
            if (i % 2 == 1) {
                assertThat(markers).contains(plan.nameOf(i, 1));
            } else {
                assertThat(steady).contains(plan.nameOf(i, 0), plan.nameOf(i, 1));
                expected += 2;
            }
        }
        // one publication to each steady channel reaches each client that stays once per
        // subscription
        int sum = 0;
        for (int t = 0; t < p.steady().size(); t++) {
            assertThat(p.steady().channels(t)).hasSize(1);
            sum += p.steady().subscribers(t);
        }
        assertThat(sum).isEqualTo(expected);
        // markers go in as few requests as the API allows, their channels numbered as the children
        // number them
        assertThat(p.markers().size())
                .isEqualTo((markers.size() + PublishTargets.MAX_CHANNELS_PER_REQUEST - 1) / 100);
        List<String> numbered = FleetConfig.markerChannels(plan, c.ports(), 7002);
        for (int t = 0; t < p.markers().size(); t++) {
            for (int k = 0; k < p.markers().channels(t).size(); k++) {
                assertThat(p.markers().channels(t).get(k))
                        .isEqualTo(numbered.get(p.markers().offset(t) + k));
            }
        }
        // a presence room has a few members, a marker channel a few moved clients: markers are
        // cheap
        assertThat(plan.mostPresenceMembers()).isLessThanOrEqualTo(10);
        assertThat(5_000.0 / numbered.size()).isLessThan(12);
    }

    @Test
    void everyNodeNeedsClients() {
        // one client per node over two nodes: one moves, one stays
        assertThat(StormPlan.of(storm(2, 7001, 7002), 7001).moved()).isEqualTo(1);
        // a storm port no client is on
        assertThatThrownBy(() -> StormPlan.of(storm(4, 7001, 7002), 7003))
                .hasMessageContaining("none is on the storm node");
    }
}
