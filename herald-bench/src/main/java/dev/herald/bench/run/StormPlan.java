package dev.herald.bench.run;

import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.ChannelType;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.http.PublishTargets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * reconnect-storm's publications, from the same channel plan as the clients: which clients move
 * (those on the storm node's port), the steady stream's channels (every channel a client that stays
 * subscribes to, expecting one delivery per such client) and the marker channels (the last channel
 * of every client that moves: the private or presence one it re-authorises for, if it has one).
 *
 * @param moved clients that start on the storm node
 * @param movedByKind those clients by the kind of their last channel
 * @param steady the steady stream's targets, one channel per publication
 * @param markers the markers' targets, up to 100 channels per publication, channel {@code c} of
 *     them (counted over the targets in order) being marker channel {@code c} of {@link
 *     FleetConfig#markerChannels}
 */
public record StormPlan(
        int moved,
        Map<String, Integer> movedByKind,
        PublishTargets steady,
        PublishTargets markers) {

    public static StormPlan of(BenchConfig cfg, int stormPort) {
        ChannelPlan plan =
                new ChannelPlan(
                        cfg.connections(),
                        cfg.channels(),
                        cfg.channelsPerConn(),
                        ChannelType.PUBLIC,
                        cfg.channelPrefix(),
                        cfg.privateFraction(),
                        cfg.presenceFraction());
        Map<String, Integer> stay = new LinkedHashMap<>();
        // in the children's order (FleetConfig#markerChannels): a marker channel's number is the
        // same everywhere
        Map<String, Integer> mark = new LinkedHashMap<>();
        for (String name : FleetConfig.markerChannels(plan, cfg.ports(), stormPort)) {
            mark.put(name, 0);
        }
        Map<String, Integer> kinds = new LinkedHashMap<>();
        for (ChannelType t :
                new ChannelType[] {ChannelType.PUBLIC, ChannelType.PRIVATE, ChannelType.PRESENCE}) {
            kinds.put(t.name().toLowerCase(Locale.ROOT), 0);
        }
        int moved = 0;
        int last = plan.perConn() - 1;
        for (int i = 0; i < plan.connections(); i++) {
            if (FleetConfig.portOf(cfg.ports(), i) == stormPort) {
                moved++;
                kinds.merge(plan.kindOf(i).name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                mark.merge(plan.nameOf(i, last), 1, Integer::sum);
            } else {
                for (int j = 0; j < plan.perConn(); j++) {
                    stay.merge(plan.nameOf(i, j), 1, Integer::sum);
                }
            }
        }
        if (moved == 0 || stay.isEmpty()) {
            throw new IllegalArgumentException(
                    "every node needs clients: with -n "
                            + cfg.connections()
                            + " over "
                            + cfg.ports().length
                            + " nodes "
                            + (moved == 0 ? "none is on the storm node" : "none stays"));
        }
        return new StormPlan(
                moved,
                kinds,
                PublishTargets.single(new ArrayList<>(stay.keySet()), counts(stay)),
                PublishTargets.batched(new ArrayList<>(mark.keySet()), counts(mark)));
    }

    private static int[] counts(Map<String, Integer> m) {
        List<Integer> v = new ArrayList<>(m.values());
        return v.stream().mapToInt(Integer::intValue).toArray();
    }
}
