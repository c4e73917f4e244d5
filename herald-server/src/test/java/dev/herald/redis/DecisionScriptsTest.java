package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The decision scripts with nodes whose lease lapsed and that are not reaped yet (passed after the
 * script's own arguments): whoever removes a lapsed node's entry decides what that means, so a
 * departure is decided once, by a decision or by the reaper, never by both. Node 1 is this node,
 * node 2 a live one, node 9 lapsed.
 */
class DecisionScriptsTest {

    private static final String APP = "app-id";
    private static final String CHANNEL = "presence-room";

    @RegisterExtension final TestRedis redis = new TestRedis();
    private RedisClusterCommands<String, String> sync;
    private RedisKeys keys;
    private String occupancy;
    private String memberNodes;
    private String stem;

    @BeforeEach
    void connect() {
        RedisConnections connections = redis.connect();
        sync = connections.sync();
        keys = connections.keys();
        occupancy = keys.occupancy(APP, CHANNEL);
        memberNodes = keys.memberNodes(APP, CHANNEL);
        stem = keys.membersStem(APP, CHANNEL);
    }

    private long run(String script, String[] scriptKeys, String... args) {
        return sync.<Long>eval(script, ScriptOutputType.INTEGER, scriptKeys, args);
    }

    private long occupy(String node, String count, String... lapsed) {
        return run(
                Scripts.OCCUPY, new String[] {occupancy}, with(new String[] {node, count}, lapsed));
    }

    private long vacate(String node, String... lapsed) {
        return run(Scripts.VACATE, new String[] {occupancy}, with(new String[] {node}, lapsed));
    }

    private long join(String node, String user, String... lapsed) {
        return run(
                Scripts.JOIN,
                new String[] {keys.members(APP, CHANNEL, node), memberNodes},
                with(new String[] {stem, node, user, "{}"}, lapsed));
    }

    private long leave(String node, String user, String... lapsed) {
        return run(
                Scripts.LEAVE,
                new String[] {keys.members(APP, CHANNEL, node), memberNodes},
                with(new String[] {stem, node, user}, lapsed));
    }

    private List<Object> reap(String dead, String... lapsed) {
        return sync.eval(
                Scripts.REAP,
                ScriptOutputType.MULTI,
                new String[] {occupancy, memberNodes},
                with(new String[] {stem, dead}, lapsed));
    }

    private static String[] with(String[] own, String[] lapsed) {
        String[] all = new String[own.length + lapsed.length];
        System.arraycopy(own, 0, all, 0, own.length);
        System.arraycopy(lapsed, 0, all, own.length, lapsed.length);
        return all;
    }

    @Test
    void occupiesOnceAndVacatesOnce() {
        assertThat(occupy("1", "1")).isEqualTo(1);
        assertThat(occupy("2", "3")).isZero();
        assertThat(vacate("1")).isZero();
        assertThat(vacate("2")).isEqualTo(1);
        assertThat(vacate("2")).as("nothing left to remove: decided already").isZero();
        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void aChannelOnlyALapsedNodeHeldIsVacatedForItThenOccupied() {
        occupy("9", "2");

        assertThat(occupy("1", "1", "9")).isEqualTo(2);

        assertThat(sync.hgetall(occupancy)).isEqualTo(Map.of("1", "1"));
        assertThat(reap("9")).as("the reaper finds nothing to decide").containsExactly(0L);
    }

    @Test
    void aLapsedNodeDoesNotKeepAChannelOccupied() {
        occupy("9", "2");
        occupy("1", "1");

        assertThat(vacate("1", "9")).isEqualTo(1);

        assertThat(redis.keys()).isEmpty();
        assertThat(reap("9")).containsExactly(0L);
    }

    @Test
    void aLiveNodeKeepsAChannelOccupiedWhateverLapsed() {
        occupy("2", "1");
        occupy("9", "1");

        assertThat(occupy("1", "1", "9")).isZero();
        assertThat(vacate("1", "9")).isZero();
        assertThat(sync.hgetall(occupancy)).isEqualTo(Map.of("2", "1"));
    }

    @Test
    void addsAUserOnceAndRemovesItOnce() {
        assertThat(join("1", "alice")).isEqualTo(1);
        assertThat(join("2", "alice")).isZero();
        assertThat(join("1", "alice")).as("already here").isZero();
        assertThat(leave("1", "alice")).isZero();
        assertThat(leave("2", "alice")).isEqualTo(1);
        assertThat(leave("2", "alice")).isZero();
        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void aUserOnlyALapsedNodeHadIsRemovedForItThenAdded() {
        join("9", "alice");
        join("9", "bob");

        assertThat(join("1", "alice", "9")).isEqualTo(2);

        // bob is the reaper's to decide: only alice's entry went
        assertThat(sync.hkeys(keys.members(APP, CHANNEL, "9"))).containsExactly("bob");
        assertThat(reap("9")).containsExactly(0L, "bob");
        assertThat(sync.smembers(memberNodes)).isEqualTo(Set.of("1"));
    }

    @Test
    void aLapsedNodeDoesNotKeepAUser() {
        join("9", "alice");
        join("1", "alice");

        assertThat(leave("1", "alice", "9")).isEqualTo(1);

        assertThat(redis.keys()).isEmpty();
        assertThat(reap("9")).containsExactly(0L);
    }

    @Test
    void reapsWhatADeadNodeHeldAndSaysWhatItMeans() {
        occupy("9", "2");
        occupy("2", "1");
        join("9", "alice");
        join("9", "bob");
        join("2", "bob");

        assertThat(reap("9")).containsExactly(0L, "alice");
        assertThat(sync.hgetall(occupancy)).isEqualTo(Map.of("2", "1"));
        assertThat(sync.smembers(memberNodes)).isEqualTo(Set.of("2"));
        assertThat(sync.exists(keys.members(APP, CHANNEL, "9"))).isZero();

        vacate("2");
        leave("2", "bob");
        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void reapsTheOtherLapsedNodesOfTheChannelWithTheDeadOne() {
        occupy("9", "1");
        occupy("8", "1");
        join("9", "alice");
        join("8", "bob");

        assertThat(reap("9", "8")).containsExactlyInAnyOrder(1L, "alice", "bob");

        assertThat(redis.keys()).isEmpty();
        assertThat(reap("8")).as("reaped with 9 already").containsExactly(0L);
    }

    @Test
    void aDeadNodeBesideALiveOneVacatesNothing() {
        occupy("9", "1");
        occupy("8", "1");

        assertThat(reap("9")).as("8 is not known to have lapsed").containsExactly(0L);
        assertThat(reap("8")).containsExactly(1L);
    }
}
