package dev.herald.bench.config;

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
        String nchanSubPath) {

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

    public ChannelPlan plan() {
        return new ChannelPlan(total, channels, channelsPerConn, channelType, channelPrefix);
    }

    public static FleetConfig forShare(BenchConfig c, FleetMode mode, int from, int to) {
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
                c.nchanSubPath());
    }
}
