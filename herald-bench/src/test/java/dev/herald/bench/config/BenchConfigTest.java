package dev.herald.bench.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
        assertThat(BenchConfig.resolve(Scenario.IDLE, new BenchOptions()).channelsPerConn())
                .isEqualTo(2);
    }

    @Test
    void refusesNonLoopbackTargets() {
        BenchOptions o = new BenchOptions();
        o.host = "10.0.0.1";
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, o))
                .hasMessageContaining("loopback");
        o.host = "127.0.0.2";
        assertThat(BenchConfig.resolve(Scenario.FANOUT, o).host()).isEqualTo("127.0.0.2");
    }

    @Test
    void validatesCombinations() {
        BenchOptions o = new BenchOptions();
        o.channelType = ChannelType.PUBLIC;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CLIENT_EVENTS, o))
                .hasMessageContaining("private");
        BenchOptions k = new BenchOptions();
        k.channels = 2;
        k.channelsPerConn = 3;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, k))
                .hasMessageContaining("channels-per-conn");
        BenchOptions f = new BenchOptions();
        f.findMax = true;
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.IDLE, f))
                .hasMessageContaining("fanout");
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
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 0, 200).rate())
                .isEqualTo(400.0);
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 200, 400).rate())
                .isEqualTo(0.0);
        assertThat(FleetConfig.forShare(c, FleetMode.CLIENT_EVENTS, 100, 300).rate())
                .isEqualTo(200.0);
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
            assertThat(Set.of(two.channelOf(i, 0), two.channelOf(i, 1), two.channelOf(i, 2)))
                    .hasSize(3);
        }
        assertThat(two.name(7)).isEqualTo("presence-b-7");
        long sum = 0;
        for (int c = 0; c < 10; c++) {
            sum += two.subscribers(c);
        }
        assertThat(sum).isEqualTo(3000);
    }

    @Test
    void singlePortByDefaultAndWithP() {
        BenchConfig d = BenchConfig.resolve(Scenario.FANOUT, new BenchOptions());
        assertThat(d.port()).isEqualTo(6001);
        assertThat(d.ports()).containsExactly(6001);
        assertThat(d.publishPort()).isEqualTo(6001);
        BenchOptions o = new BenchOptions();
        o.port = 7005;
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.ports()).containsExactly(7005);
        assertThat(c.publishPort()).isEqualTo(7005);
        FleetConfig share = FleetConfig.forShare(c, FleetMode.SUBSCRIBE, 0, c.connections());
        for (int i = 0; i < 10; i++) {
            assertThat(share.portOf(i)).isEqualTo(7005);
        }
    }

    @Test
    void portsAreAssignedRoundRobinOverTheWholeRun() {
        BenchOptions o = new BenchOptions();
        o.connections = 10;
        o.ports = List.of(7001, 7002, 7003);
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.port()).isEqualTo(7001);
        assertThat(c.ports()).containsExactly(7001, 7002, 7003);
        assertThat(c.publishPort()).isEqualTo(7001);
        assertThat(c.portsText()).isEqualTo("7001,7002,7003");

        int[] expected = {7001, 7002, 7003, 7001, 7002, 7003, 7001, 7002, 7003, 7001};
        FleetConfig all = FleetConfig.forShare(c, FleetMode.SUBSCRIBE, 0, 10);
        for (int i = 0; i < 10; i++) {
            assertThat(all.portOf(i)).as("connection %d", i).isEqualTo(expected[i]);
        }
        // with --procs the shares hold global slots, so the spread stays global: the second child's
        // first connection (slot 5) goes to 7003, not to 7001
        FleetConfig second = FleetConfig.forShare(c, FleetMode.SUBSCRIBE, 5, 10);
        for (int slot = second.from(); slot < second.to(); slot++) {
            assertThat(second.portOf(slot)).isEqualTo(expected[slot]);
        }
        int[] perPort = new int[3];
        for (int slot = 0; slot < 2000; slot++) {
            perPort[FleetConfig.portOf(c.ports(), slot) - 7001]++;
        }
        assertThat(perPort).containsExactly(667, 667, 666);
    }

    @Test
    void publishPortDefaultsToTheFirstNodeAndCanBeSet() {
        BenchOptions o = new BenchOptions();
        o.ports = List.of(7002, 7003);
        o.publishPort = 7003;
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.publishPort()).isEqualTo(7003);
        assertThat(c.port()).isEqualTo(7002);
        BenchOptions p = new BenchOptions();
        p.port = 7001;
        p.publishPort = 7002;
        assertThat(BenchConfig.resolve(Scenario.FANOUT, p).publishPort()).isEqualTo(7002);
        BenchOptions both = new BenchOptions();
        both.port = 7001;
        both.ports = List.of(7001, 7002);
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, both))
                .hasMessageContaining("not both");
        BenchOptions bad = new BenchOptions();
        bad.ports = List.of(7001, 70000);
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, bad))
                .hasMessageContaining("70000");
    }

    @Test
    void portsParseFromTheCommandLineAndReachTheJsonParams() throws Exception {
        BenchOptions o = new BenchOptions();
        new picocli.CommandLine(o).parseArgs("--ports", "7001,7002,7003", "--publish-port", "7002");
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, o);
        assertThat(c.ports()).containsExactly(7001, 7002, 7003);
        JsonNode params = new ObjectMapper().valueToTree(c);
        assertThat(params.get("ports").toString()).isEqualTo("[7001,7002,7003]");
        assertThat(params.get("publishPort").asInt()).isEqualTo(7002);
        // a child process gets its share as JSON
        FleetConfig share = FleetConfig.forShare(c, FleetMode.SUBSCRIBE, 3, 6);
        ObjectMapper json = new ObjectMapper();
        FleetConfig back = json.readValue(json.writeValueAsString(share), FleetConfig.class);
        assertThat(back.ports()).containsExactly(7001, 7002, 7003);
        assertThat(back.portOf(4)).isEqualTo(7002);
    }

    private static BenchOptions nchan(String... args) {
        BenchOptions o = new BenchOptions();
        new picocli.CommandLine(o).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return o;
    }

    @Test
    void pusherIsTheDefaultTargetAndNchanIsChosenByFlag() throws Exception {
        assertThat(BenchConfig.resolve(Scenario.FANOUT, new BenchOptions()).target())
                .isEqualTo(Target.PUSHER);
        BenchConfig c = BenchConfig.resolve(Scenario.FANOUT, nchan("--target", "nchan"));
        assertThat(c.target()).isEqualTo(Target.NCHAN);
        assertThat(c.nchanSubPath()).isEqualTo("/sub/");
        assertThat(c.nchanPubPath()).isEqualTo("/pub/");
        assertThat(new ObjectMapper().valueToTree(c).get("target").asText()).isEqualTo("NCHAN");
        // a child process learns the target and the subscriber path with its share
        FleetConfig share = FleetConfig.forShare(c, FleetMode.SUBSCRIBE, 0, 10);
        ObjectMapper json = new ObjectMapper();
        FleetConfig back = json.readValue(json.writeValueAsString(share), FleetConfig.class);
        assertThat(back.target()).isEqualTo(Target.NCHAN);
        assertThat(back.nchanSubPath()).isEqualTo("/sub/");
    }

    @Test
    void nchanRunsThePublicScenarios() {
        assertThat(BenchConfig.resolve(Scenario.IDLE, nchan("--target", "nchan")).channelsPerConn())
                .isEqualTo(2);
        assertThat(BenchConfig.resolve(Scenario.TRIGGER, nchan("--target", "nchan")).target())
                .isEqualTo(Target.NCHAN);
        assertThat(
                        BenchConfig.resolve(
                                        Scenario.CHURN,
                                        nchan("--target", "nchan", "--channel-type", "public"))
                                .channelType())
                .isEqualTo(ChannelType.PUBLIC);
    }

    @Test
    void nchanRefusesWhatNeedsChannelAuthorizationAndSaysWhy() {
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.PRESENCE, nchan("--target", "nchan")))
                .hasMessageContaining("presence cannot run against nchan")
                .hasMessageContaining("no private or presence channel authorization");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.CLIENT_EVENTS, nchan("--target", "nchan")))
                .hasMessageContaining("client-events cannot run against nchan")
                .hasMessageContaining("private or presence");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT,
                                        nchan("--target", "nchan", "--channel-type", "private")))
                .hasMessageContaining("fanout with --channel-type private cannot run against nchan")
                .hasMessageContaining("use --channel-type public");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.IDLE,
                                        nchan("--target", "nchan", "--channel-type", "presence")))
                .hasMessageContaining("cannot run against nchan");
        // churn's default is mixed: public, private and presence channels
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.CHURN, nchan("--target", "nchan")))
                .hasMessageContaining("churn with --channel-type mixed cannot run against nchan");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT, nchan("--target", "nchan", "--recovery")))
                .hasMessageContaining("--recovery");
    }

    @Test
    void nchanBoundsChannelsPerConnectionAndTheUrl() {
        BenchOptions at =
                nchan(
                        "--target",
                        "nchan",
                        "-n",
                        "10",
                        "-c",
                        "255",
                        "-k",
                        "255",
                        "--channel-prefix",
                        "b");
        assertThat(BenchConfig.resolve(Scenario.IDLE, at).channelsPerConn()).isEqualTo(255);
        BenchOptions over =
                nchan(
                        "--target",
                        "nchan",
                        "-n",
                        "10",
                        "-c",
                        "256",
                        "-k",
                        "256",
                        "--channel-prefix",
                        "b");
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.IDLE, over))
                .hasMessageContaining("more than the 255 channels nchan multiplexes");
        BenchOptions longUrl =
                nchan(
                        "--target",
                        "nchan",
                        "-n",
                        "10",
                        "-c",
                        "200",
                        "-k",
                        "200",
                        "--channel-prefix",
                        "a-rather-long-channel-name-stem-".repeat(2));
        assertThatThrownBy(() -> BenchConfig.resolve(Scenario.IDLE, longUrl))
                .hasMessageContaining("nginx reads in a request line");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT,
                                        nchan("--target", "nchan", "--channel-prefix", "a,b")))
                .hasMessageContaining("--channel-prefix");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT,
                                        nchan("--target", "nchan", "--nchan-sub-path", "sub/")))
                .hasMessageContaining("--nchan-sub-path");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT,
                                        nchan("--target", "nchan", "--nchan-pub-path", "/p ub/")))
                .hasMessageContaining("--nchan-pub-path");
        assertThatThrownBy(
                        () ->
                                BenchConfig.resolve(
                                        Scenario.FANOUT,
                                        nchan(
                                                "--target",
                                                "nchan",
                                                "--nchan-pub-path",
                                                "/" + "p".repeat(201))))
                .hasMessageContaining("at most 200");
    }
}
