package dev.herald.bench.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StormConfigTest {
    /** A pid that is not this process's: the flags are checked, nothing is signalled. */
    private static final String PID = "4242";

    private static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        new CommandLine(o).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return o;
    }

    /** A storm over two nodes with the given flags added. */
    private static BenchOptions storm(String... more) {
        List<String> args =
                new ArrayList<>(List.of("--ports", "7001,7002", "--storm-node-pid", PID));
        args.addAll(Arrays.asList(more));
        return parse(args.toArray(new String[0]));
    }

    private static BenchConfig resolve(BenchOptions o) {
        return BenchConfig.resolve(Scenario.RECONNECT_STORM, o);
    }

    private static void refused(BenchOptions o, String why) {
        assertThatThrownBy(() -> resolve(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }

    @Test
    void defaultsAreTenThousandClientsDrainedAsPusherJsReconnects() {
        BenchConfig c = resolve(storm());
        assertThat(c.connections()).isEqualTo(10_000);
        assertThat(c.channels()).isEqualTo(1000);
        assertThat(c.channelsPerConn()).isEqualTo(2);
        assertThat(c.channelType()).isEqualTo(ChannelType.PUBLIC);
        assertThat(c.rate()).isEqualTo(200);
        assertThat(c.durationMs()).isEqualTo(10_000);
        assertThat(c.warmupMs()).isEqualTo(5_000);
        assertThat(c.storm()).isEqualTo(StormKind.DRAIN);
        assertThat(c.stormNodePid()).isEqualTo(4242L);
        assertThat(c.stormTimeoutMs()).isEqualTo(60_000);
        assertThat(c.markerIntervalMs()).isEqualTo(100);
        assertThat(c.reconnectDelay4200Ms()).isZero();
        assertThat(c.reconnectDelayAbruptMs()).isEqualTo(1_000);
        assertThat(c.privateFraction()).isEqualTo(0.2);
        assertThat(c.presenceFraction()).isEqualTo(0.1);
        // publications go to the first node that survives, known once the storm node's port is
        assertThat(c.publishPort()).isZero();
        // other scenarios have no private or presence shares
        BenchConfig f = BenchConfig.resolve(Scenario.FANOUT, new BenchOptions());
        assertThat(f.privateFraction()).isZero();
        assertThat(f.presenceFraction()).isZero();
    }

    @Test
    void theFlagsParseAndReachTheChildrenAsJson() throws Exception {
        BenchConfig c =
                resolve(
                        storm(
                                "--storm",
                                "KILL",
                                "--storm-timeout",
                                "30s",
                                "--marker-interval",
                                "250ms",
                                "--reconnect-delay-4200",
                                "50ms",
                                "--reconnect-delay-abrupt",
                                "2s",
                                "--private-fraction",
                                "0.5",
                                "--presence-fraction",
                                "0",
                                "--publish-port",
                                "7001"));
        assertThat(c.storm()).isEqualTo(StormKind.KILL);
        assertThat(c.stormTimeoutMs()).isEqualTo(30_000);
        assertThat(c.markerIntervalMs()).isEqualTo(250);
        assertThat(c.publishPort()).isEqualTo(7001);
        FleetConfig share = FleetConfig.forShare(c, FleetMode.STORM, 0, 5_000, 7002);
        ObjectMapper json = new ObjectMapper();
        FleetConfig back = json.readValue(json.writeValueAsString(share), FleetConfig.class);
        assertThat(back.stormPort()).isEqualTo(7002);
        assertThat(back.reconnectDelay4200Ms()).isEqualTo(50);
        assertThat(back.reconnectDelayAbruptMs()).isEqualTo(2_000);
        assertThat(back.privateFraction()).isEqualTo(0.5);
        assertThat(back.stormTimeoutMs()).isEqualTo(30_000);
        // slot i is on port i mod 2: the odd ones move, to 7001
        assertThat(back.moves(1)).isTrue();
        assertThat(back.moves(2)).isFalse();
        assertThat(back.survivorPortOf(1)).isEqualTo(7001);
    }

    @Test
    void theNodeToTakeAwayMustBeNamedAndBeAServerOfTheRun() {
        refused(parse("--ports", "7001,7002"), "needs --storm-node-pid");
        refused(parse("--ports", "7001,7002", "--storm-node-pid", "1"), "cannot be signalled");
        refused(
                parse(
                        "--ports",
                        "7001,7002",
                        "--storm-node-pid",
                        Long.toString(ProcessHandle.current().pid())),
                "cannot be signalled");
        refused(storm("--server-pid", PID), "--server-pid must be a node that survives");
        assertThat(resolve(storm("--server-pid", "4343")).serverPid()).isEqualTo(4343L);
    }

    @Test
    void aStormNeedsTwoDistinctNodesAndAClientOnEach() {
        refused(parse("--storm-node-pid", PID), "two or more distinct nodes");
        refused(parse("-p", "7001", "--storm-node-pid", PID), "two or more distinct nodes");
        refused(
                parse("--ports", "7001,7001", "--storm-node-pid", PID),
                "two or more distinct nodes");
        refused(
                parse("--ports", "7001,7002,7003", "--storm-node-pid", PID, "-n", "2"),
                "at least one client per node");
        assertThat(resolve(storm("-n", "2")).connections()).isEqualTo(2);
        refused(storm("-n", "1000001", "--procs", "100"), "at most 1,000,000 clients");
    }

    @Test
    void theTimingsHaveBounds() {
        refused(storm("--storm-timeout", "999ms"), "--storm-timeout must be between 1s and 10m");
        refused(storm("--storm-timeout", "601s"), "--storm-timeout must be between 1s and 10m");
        assertThat(resolve(storm("--storm-timeout", "10m")).stormTimeoutMs()).isEqualTo(600_000);
        refused(storm("--marker-interval", "9ms"), "--marker-interval must be between");
        refused(storm("--marker-interval", "11s"), "--marker-interval must be between");
        assertThat(resolve(storm("--marker-interval", "10ms")).markerIntervalMs()).isEqualTo(10);
        refused(storm("--reconnect-delay-4200", "-1ms"), "between 0s and 60s");
        refused(storm("--reconnect-delay-4200", "61s"), "between 0s and 60s");
        refused(storm("--reconnect-delay-abrupt", "-1ms"), "between 0s and 60s");
        refused(storm("--reconnect-delay-abrupt", "60001ms"), "between 0s and 60s");
        assertThat(resolve(storm("--reconnect-delay-abrupt", "0s")).reconnectDelayAbruptMs())
                .isZero();
        refused(storm("-d", "999ms"), "--duration");
        refused(storm("-d", "61m"), "--duration");
        refused(storm("--warmup", "2h"), "--warmup");
        assertThat(resolve(storm("--warmup", "0s")).warmupMs()).isZero();
    }

    @Test
    void theSteadyStreamHasARate() {
        refused(storm("-r", "0"), "--rate between 1 and 10,000");
        refused(storm("-r", "10001"), "--rate between 1 and 10,000");
        assertThat(resolve(storm("-r", "10000")).rate()).isEqualTo(10_000);
    }

    @Test
    void theSharesOfPrivateAndPresenceClientsAreFractions() {
        refused(storm("--private-fraction", "-0.1"), "--private-fraction and --presence-fraction");
        refused(storm("--private-fraction", "1.1"), "--private-fraction and --presence-fraction");
        refused(storm("--presence-fraction", "NaN"), "--private-fraction and --presence-fraction");
        refused(
                storm("--private-fraction", "0.6", "--presence-fraction", "0.5"),
                "together at most 1");
        BenchConfig all = resolve(storm("--private-fraction", "1", "--presence-fraction", "0"));
        assertThat(all.privateFraction()).isEqualTo(1);
        // the kinds are the storm's own: no --channel-type beside them
        refused(storm("--channel-type", "private"), "use --private-fraction");
        assertThat(resolve(storm("--channel-type", "public")).channelType())
                .isEqualTo(ChannelType.PUBLIC);
    }

    @Test
    void aPlanWithMorePresenceMembersThanPusherAllowsIsRefused() {
        // 1,000 clients all presence on 2 channels: 500 members each
        refused(
                storm(
                        "-n",
                        "1000",
                        "-c",
                        "2",
                        "-k",
                        "1",
                        "--presence-fraction",
                        "1",
                        "--private-fraction",
                        "0"),
                "500 members on one presence channel, over the 100 Pusher allows");
        // 200 on 2: 100 each, the limit itself
        assertThat(
                        resolve(
                                        storm(
                                                "-n",
                                                "200",
                                                "-c",
                                                "2",
                                                "-k",
                                                "1",
                                                "--presence-fraction",
                                                "1",
                                                "--private-fraction",
                                                "0"))
                                .presenceFraction())
                .isEqualTo(1);
    }

    @Test
    void onlyAPusherServerCanStorm() {
        refused(storm("--target", "nchan"), "cannot run against nchan");
    }

    @Test
    void theStormFlagsBelongToReconnectStormOnly() {
        for (String[] flag :
                new String[][] {
                    {"--storm", "kill"},
                    {"--storm-node-pid", PID},
                    {"--storm-timeout", "5s"},
                    {"--marker-interval", "1s"},
                    {"--reconnect-delay-4200", "0s"},
                    {"--reconnect-delay-abrupt", "1s"},
                    {"--private-fraction", "0.2"},
                    {"--presence-fraction", "0.1"}
                }) {
            assertThatThrownBy(() -> BenchConfig.resolve(Scenario.FANOUT, parse(flag)))
                    .hasMessageContaining("apply to reconnect-storm only");
        }
        assertThatThrownBy(() -> parse("--storm", "explode"))
                .isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void aClientReconnectsAsPusherJsDoesAfterEachCloseCode() {
        FleetConfig f =
                FleetConfig.forShare(
                        resolve(storm("--reconnect-delay-abrupt", "1500ms")),
                        FleetMode.STORM,
                        0,
                        10,
                        7002);
        assertThat(f.reconnectDelayMs(4200)).isZero();
        assertThat(f.reconnectDelayMs(4299)).isZero();
        assertThat(f.reconnectDelayMs(0)).isEqualTo(1500); // dropped, no close frame
        assertThat(f.reconnectDelayMs(1006)).isEqualTo(1500);
        assertThat(f.reconnectDelayMs(1000)).isEqualTo(1500);
        assertThat(f.reconnectDelayMs(4100)).isEqualTo(1500); // backoff
        assertThat(f.reconnectDelayMs(4001)).isEqualTo(-1); // refused: no reconnect
        assertThat(f.reconnectDelayMs(4009)).isEqualTo(-1);
        assertThat(f.reconnectDelayMs(4300)).isEqualTo(-1);
    }

    @Test
    void someClientsLastChannelIsPrivateOrPresenceSpreadOverBothNodes() {
        ChannelPlan plan = new ChannelPlan(10_000, 100, 2, ChannelType.PUBLIC, "s-", 0.2, 0.1);
        int[] kinds = new int[3];
        int[] evenKinds = new int[3];
        for (int i = 0; i < 10_000; i++) {
            ChannelType k = plan.kindOf(i);
            int idx = k == ChannelType.PUBLIC ? 0 : k == ChannelType.PRIVATE ? 1 : 2;
            kinds[idx]++;
            if (i % 2 == 0) {
                evenKinds[idx]++;
            }
            assertThat(plan.typeOf(i, 0)).isEqualTo(ChannelType.PUBLIC);
            assertThat(plan.nameOf(i, 0)).isEqualTo("s-" + plan.channelOf(i, 0));
            assertThat(plan.typeOf(i, 1)).isEqualTo(k);
            assertThat(plan.nameOf(i, 1)).isEqualTo(k.prefix + "s-" + plan.channelOf(i, 1));
        }
        assertThat(kinds[1]).isBetween(1_980, 2_020);
        assertThat(kinds[2]).isBetween(990, 1_010);
        assertThat(evenKinds[1]).isBetween(990, 1_010);
        assertThat(evenKinds[2]).isBetween(495, 505);
        assertThat(plan.mostPresenceMembers()).isBetween(15, 30);
        // a plan without shares names channels as before
        ChannelPlan plain = new ChannelPlan(10, 4, 2, ChannelType.PRIVATE, "p-");
        assertThat(plain.nameOf(3, 1)).isEqualTo(plain.name(plain.channelOf(3, 1)));
        assertThat(plain.kindOf(3)).isEqualTo(ChannelType.PRIVATE);
        assertThat(plain.mostPresenceMembers()).isZero();
        assertThatThrownBy(() -> new ChannelPlan(10, 4, 2, ChannelType.PRIVATE, "p-", 0.1, 0))
                .hasMessageContaining("public plan");
    }
}
