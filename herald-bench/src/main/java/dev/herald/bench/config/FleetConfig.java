package dev.herald.bench.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What one generator process (or the in-process worker) needs to run its share of the WebSocket
 * connections: slots {@code [from, to)} of {@code total}. Sent to child processes as JSON.
 *
 * @param rate scenario rate for this share: client events/s, presence toggles/s or churn cycles/s
 *     over all of this share's connections (0 = as fast as possible)
 * @param senders global slots below this number send client events
 * @param recvBufferRing io_uring: receive through a provided buffer ring (multishot receives)
 * @param lifetimeMs churn: how long a connection stays open once subscribed
 * @param recovery subscriptions ask for channel history positions ({@code herald_recovery})
 * @param clientEventRate churn: client events/s each connection sends while open
 * @param ports the server ports; global slot {@code i} connects to {@code ports[i % ports.length]}
 *     ({@link #portOf}), so the spread is the same whether one process or several hold the slots
 * @param target the server's protocol: how a connection subscribes
 * @param nchanSubPath {@link Target#NCHAN}: the subscriber location prefix
 * @param stormPort reconnect-storm: the port of the node that goes away (0: none); its clients
 *     reconnect to the others ({@link #survivorPortOf})
 * @param privateFraction reconnect-storm: share of the clients whose last channel is private
 * @param presenceFraction reconnect-storm: share of the clients whose last channel is presence
 * @param reconnectDelay4200Ms reconnect-storm: wait before reconnecting after close code 42xx
 * @param reconnectDelayAbruptMs reconnect-storm: wait before reconnecting after any other close a
 *     Pusher client retries, and after a failed reconnect
 * @param stormTimeoutMs reconnect-storm: a client back later than this after the storm is late
 */
public record FleetConfig(
        String host,
        int[] ports,
        String appKey,
        String appSecret,
        String transport,
        int threads,
        int from,
        int to,
        int total,
        int channels,
        int channelsPerConn,
        ChannelType channelType,
        String channelPrefix,
        FleetMode mode,
        double connectRate,
        int maxPending,
        int payload,
        double rate,
        int senders,
        String eventName,
        String localAddresses,
        boolean recvBufferRing,
        boolean recovery,
        long lifetimeMs,
        double clientEventRate,
        Target target,
        String nchanSubPath,
        int stormPort,
        double privateFraction,
        double presenceFraction,
        long reconnectDelay4200Ms,
        long reconnectDelayAbruptMs,
        long stormTimeoutMs) {

    /** reconnect-storm: the event name of the markers, beside the steady stream's. */
    public static String markerEvent(String eventName) {
        return eventName + "-marker";
    }

    public int size() {
        return to - from;
    }

    /** The server port of global connection slot {@code slot}: round-robin over {@link #ports}. */
    public int portOf(int slot) {
        return portOf(ports, slot);
    }

    /** Connection {@code i} of the run goes to {@code ports[i mod n]}. */
    public static int portOf(int[] ports, int slot) {
        return ports[Math.floorMod(slot, ports.length)];
    }

    /**
     * reconnect-storm: whether global slot {@code slot} starts on the node that goes away (and so
     * moves).
     */
    public boolean moves(int slot) {
        return stormPort != 0 && portOf(slot) == stormPort;
    }

    /**
     * reconnect-storm: where global slot {@code slot} reconnects to: the nodes other than the storm
     * node, round-robin by slot.
     */
    public int survivorPortOf(int slot) {
        return survivorPortOf(ports, stormPort, slot);
    }

    /** The surviving nodes' ports, in --ports order; connection i reconnects to i mod n. */
    public static int survivorPortOf(int[] ports, int stormPort, int slot) {
        int[] survivors = Arrays.stream(ports).filter(p -> p != stormPort).toArray();
        return survivors[Math.floorMod(slot, survivors.length)];
    }

    /**
     * How long a Pusher client waits before reconnecting after a close with {@code code} (0: the
     * connection dropped without a close frame), or -1 if it does not reconnect. pusher-js: 4200-
     * 4299 "retry" (at once), 4000-4099 and 4300 up "refused"; anything else, 4100-4199 "backoff"
     * included, reconnects after a second. The two waits are the run's flags.
     */
    public long reconnectDelayMs(int code) {
        if (code >= 4200 && code <= 4299) {
            return reconnectDelay4200Ms;
        }
        if ((code >= 4000 && code <= 4099) || code >= 4300) {
            return -1;
        }
        return reconnectDelayAbruptMs;
    }

    /**
     * reconnect-storm: the marker channels, the last channel of each client on the storm node, in
     * the order they first appear: the same list in every process, so a channel's number in it
     * means the same to the children and the coordinator.
     */
    public static List<String> markerChannels(ChannelPlan plan, int[] ports, int stormPort) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        int last = plan.perConn() - 1;
        for (int i = 0; i < plan.connections(); i++) {
            if (portOf(ports, i) == stormPort) {
                names.add(plan.nameOf(i, last));
            }
        }
        return new ArrayList<>(names);
    }

    public ChannelPlan plan() {
        return new ChannelPlan(
                total,
                channels,
                channelsPerConn,
                channelType,
                channelPrefix,
                privateFraction,
                presenceFraction);
    }

    public static FleetConfig forShare(BenchConfig c, FleetMode mode, int from, int to) {
        return forShare(c, mode, from, to, 0);
    }

    /** A share; {@code stormPort} is reconnect-storm's node that goes away (0 otherwise). */
    public static FleetConfig forShare(
            BenchConfig c, FleetMode mode, int from, int to, int stormPort) {
        double share = c.connections() == 0 ? 0 : (double) (to - from) / c.connections();
        // client events come from the senders only: this share sends in proportion to its senders
        int sendersHere = Math.max(0, Math.min(to, c.senders()) - from);
        double rateShare =
                mode != FleetMode.CLIENT_EVENTS
                        ? share
                        : c.senders() == 0 ? 0 : (double) sendersHere / c.senders();
        return new FleetConfig(
                c.host(),
                c.ports(),
                c.appKey(),
                c.appSecret(),
                c.transport(),
                c.threads(),
                from,
                to,
                c.connections(),
                c.channels(),
                c.channelsPerConn(),
                c.channelType(),
                c.channelPrefix(),
                mode,
                c.connectRate() * share,
                Math.max(1, (int) Math.ceil(c.maxPending() * share)),
                c.payload(),
                c.rate() * rateShare,
                c.senders(),
                c.eventName(),
                c.localAddresses(),
                c.recvBufferRing(),
                c.recovery(),
                c.lifetimeMs(),
                c.clientEventRate(),
                c.target(),
                c.nchanSubPath(),
                stormPort,
                c.privateFraction(),
                c.presenceFraction(),
                c.reconnectDelay4200Ms(),
                c.reconnectDelayAbruptMs(),
                c.stormTimeoutMs());
    }
}
