package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.redis.RedisKeys.AppChannel;
import io.lettuce.core.cluster.SlotHash;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisKeysTest {

    private final RedisKeys keys = new RedisKeys(RedisKeys.DEFAULT_NAMESPACE);

    /** The names every node of a cluster must agree on, whatever version it runs. */
    @Test
    void writesTheNamesNodesShare() {
        assertThat(keys.nodes()).isEqualTo("herald:{g}:nodes");
        assertThat(keys.reaping()).isEqualTo("herald:{g}:reaping");
        assertThat(keys.subscriptions("42", "app-id")).isEqualTo("herald:{n:42}:s:app-id");
        assertThat(keys.connections("42")).isEqualTo("herald:{n:42}:c");
        assertThat(keys.nodeKeys("42")).isEqualTo("herald:{n:42}:keys");
        assertThat(keys.alive("42")).isEqualTo("herald:{n:42}:alive");
        assertThat(keys.occupancy("app-id", "presence-room"))
                .isEqualTo("herald:{app-id|presence-room}:o");
        assertThat(keys.memberNodes("app-id", "presence-room"))
                .isEqualTo("herald:{app-id|presence-room}:mn");
        assertThat(keys.members("app-id", "presence-room", "42"))
                .isEqualTo("herald:{app-id|presence-room}:m:42");
        assertThat(keys.cache("app-id", "cache-x")).isEqualTo("herald:{app-id|cache-x}:cache");
        assertThat(keys.removalMark("app-id|presence-room|u1"))
                .isEqualTo("herald:gone:app-id|presence-room|u1");
        assertThat(keys.relayChannel("app-id", "private-x"))
                .isEqualTo("herald:ch:{app-id|private-x}");
        assertThat(keys.controlChannel()).isEqualTo("herald:ctl");
        assertThat(keys.watching()).isEqualTo("herald:watching");
        assertThat(RedisKeys.watcher("app-id", "42")).isEqualTo("app-id|42");
        assertThat(keys.activityChannel("app-id")).isEqualTo("herald:act:app-id");
        assertThat(keys.statsNodes("app-id")).isEqualTo("herald:{st:app-id}:nodes");
        assertThat(keys.statsRings("app-id", "42")).isEqualTo("herald:{st:app-id}:r:42");
        assertThat(keys.historyMeta("app-id", "private-x"))
                .isEqualTo("herald:{app-id|private-x}:hmeta");
        assertThat(keys.historyStream("app-id", "private-x"))
                .isEqualTo("herald:{app-id|private-x}:hist");
    }

    @Test
    void scriptPiecesJoinIntoTheSameConsoleKeys() {
        assertThat(keys.statsRingsPrefix("a") + "42").isEqualTo(keys.statsRings("a", "42"));
        assertThat("a" + RedisKeys.watcherSuffix("42")).isEqualTo(RedisKeys.watcher("a", "42"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ' ',
            value = {"app-id 42", "A.b_c-9 1", "a node|with|bars"})
    void readsBackEveryWatcherAndActivityChannel(String appId, String node) {
        assertThat(RedisKeys.readWatcher(RedisKeys.watcher(appId, node)))
                .isEqualTo(new RedisKeys.Watcher(appId, node));
        assertThat(keys.readActivityChannel(keys.activityChannel(appId))).isEqualTo(appId);
    }

    @Test
    void readsNoWatcherOrActivityChannelItDidNotWrite() {
        assertThat(RedisKeys.readWatcher("no-separator")).isNull();
        assertThat(RedisKeys.readWatcher("app|")).isNull();
        assertThat(RedisKeys.readWatcher("not:an:app|42")).isNull();
        assertThat(keys.readActivityChannel("herald:ch:{app-id|x}")).isNull();
        assertThat(keys.readActivityChannel("herald:act:not|an:app")).isNull();
        assertThat(keys.readActivityChannel("herald:act:")).isNull();
        assertThat(new RedisKeys("test-1").readActivityChannel(keys.activityChannel("a"))).isNull();
    }

    @Test
    void scriptPiecesJoinIntoTheSameKeys() {
        assertThat(keys.membersStem("a", "presence-x") + "42")
                .isEqualTo(keys.members("a", "presence-x", "42"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ' ',
            value = {
                "app-id private-chat",
                "ci-dashboard presence-build.42",
                "A.b_c-9 _-=@,.;",
                "1001 #server-to-user-alice@example.com",
                "a a|b|c",
                "a :colon:in:channel"
            })
    void readsBackEveryAppAndChannel(String appId, String channel) {
        assertThat(keys.readRelayChannel(keys.relayChannel(appId, channel)))
                .isEqualTo(new AppChannel(appId, channel));
        assertThat(keys.readOccupancy(keys.occupancy(appId, channel)))
                .isEqualTo(new AppChannel(appId, channel));
    }

    @Test
    void readsNothingFromNamesItDidNotWrite() {
        assertThat(keys.readRelayChannel("herald:ctl")).isNull();
        assertThat(keys.readRelayChannel("other:ch:{app|channel}")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:{no-separator}")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:{not:an:app|channel}")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:{app|channel")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:app|channel")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:{")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:{}")).isNull();
        assertThat(keys.readOccupancy(keys.memberNodes("app", "presence-x"))).isNull();
        assertThat(keys.readOccupancy(keys.subscriptions("42", "app"))).isNull();
        assertThat(keys.readOccupancy(keys.cache("app", "x"))).isNull();
        assertThat(keys.readOccupancy("herald:{}:o")).isNull();
        assertThat(keys.readOccupancy("herald:{:o")).isNull();
        assertThat(new RedisKeys("test-1").readOccupancy(keys.occupancy("app", "x"))).isNull();
    }

    /**
     * A Redis Cluster runs a command or script only on keys of one slot: everything a script
     * touches for a channel (its decisions, members, cache, history and the shard channel the
     * recording script publishes on) shares the channel's slot.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = ' ',
            value = {
                "app-id presence-room",
                "A.b_c-9 _-=@,.;",
                "1001 #server-to-user-alice@example.com",
                "a a|b|c",
                "a :colon:in:channel"
            })
    void keepsEveryKeyOfAChannelInItsSlot(String appId, String channel) {
        for (RedisKeys any : List.of(keys, new RedisKeys("test-1"))) {
            int slot = SlotHash.getSlot(any.occupancy(appId, channel));
            assertThat(
                            List.of(
                                    any.memberNodes(appId, channel),
                                    any.members(appId, channel, "42"),
                                    any.members(appId, channel, "7"),
                                    any.membersStem(appId, channel) + "1234567",
                                    any.cache(appId, channel),
                                    any.historyMeta(appId, channel),
                                    any.historyStream(appId, channel),
                                    any.relayChannel(appId, channel)))
                    .allSatisfy(key -> assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot));
            // the same channel name in another app is another channel
            assertThat(SlotHash.getSlot(any.occupancy(appId + "x", channel))).isNotEqualTo(slot);
        }
    }

    /** A node's share hashes together: its reaper deletes it in one command. */
    @Test
    void keepsANodesShareInOneSlot() {
        int slot = SlotHash.getSlot(keys.nodeKeys("42"));
        assertThat(
                        List.of(
                                keys.subscriptions("42", "app-id"),
                                keys.subscriptions("42", "Az.09_-"),
                                keys.connections("42"),
                                keys.alive("42")))
                .allSatisfy(key -> assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot));
        assertThat(SlotHash.getSlot(keys.nodeKeys("43"))).isNotEqualTo(slot);
    }

    /** An app's stats hash together: one script records a step, one reads every node's. */
    @Test
    void keepsAnAppsStatsInOneSlot() {
        int slot = SlotHash.getSlot(keys.statsNodes("app-id"));
        assertThat(
                        List.of(
                                keys.statsRings("app-id", "42"),
                                keys.statsRings("app-id", "7"),
                                keys.statsRingsPrefix("app-id") + "99"))
                .allSatisfy(key -> assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot));
        assertThat(SlotHash.getSlot(keys.statsNodes("other"))).isNotEqualTo(slot);
    }

    /** One busy app is not one shard's: its channels spread over the slots. */
    @Test
    void spreadsOneAppsChannelsOverTheSlots() {
        assertThat(SlotHash.getSlot(keys.occupancy("app-id", "news")))
                .isNotEqualTo(SlotHash.getSlot(keys.occupancy("app-id", "sport")));
        Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            slots.add(SlotHash.getSlot(keys.occupancy("app-id", "presence-room-" + i)));
        }
        // 1,000 names over 16,384 slots: a few collide, none cluster
        assertThat(slots).hasSizeGreaterThan(950);
        assertThat(slots.stream().filter(slot -> slot < 8_192).count()).isBetween(400L, 600L);
    }

    @Test
    void keepsANamespaceApart() {
        RedisKeys other = new RedisKeys("test-1");

        assertThat(other.relayChannel("a", "b")).isEqualTo("test-1:ch:{a|b}");
        assertThat(other.nodes()).isEqualTo("test-1:{g}:nodes");
        assertThat(keys.readRelayChannel(other.relayChannel("a", "b"))).isNull();
        for (String bad : List.of("a:b", "", "a|b", "a{b", "a}b")) {
            assertThatThrownBy(() -> new RedisKeys(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
