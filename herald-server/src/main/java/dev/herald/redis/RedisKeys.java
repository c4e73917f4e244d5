package dev.herald.redis;

import dev.herald.apps.AppIds;

/**
 * Every Redis key and pub/sub channel name Herald uses, built and read back here only. The Lua
 * scripts get their keys, and the stems of the keys they must build, as arguments, so this class is
 * the one place the layout is written.
 *
 * <p>One layout serves one Redis and a Redis Cluster alike. A Redis Cluster lets one command or
 * script touch the keys of one hash slot only, and keys that share a <em>hash tag</em>, the text
 * between a key's first opening brace and the next closing one, share a slot. So every key carries
 * the tag of what it belongs to: a channel's keys hash together (and one busy app spreads over
 * every shard), a node's share hashes together, an app's stats hash together.
 *
 * <p>Layout, with namespace {@code herald} (the default; tests use their own):
 *
 * <ul>
 *   <li>the leases, tag {@code {g}}: {@code herald:{g}:nodes}, sorted set of node ids scored by
 *       lease expiry (epoch ms; a node is live while its score is in the future); {@code
 *       herald:{g}:reaping}, sorted set of the nodes claimed for reaping and not finished, scored
 *       by claim time (a claim is moved there from the leases in one script);
 *   <li>global, each a single-key command's: {@code herald:gone:MARK}, a webhook removal mark
 *       holding the marking node's id; {@code herald:watching}, sorted set of {@code APP|NODE}, a
 *       node whose viewers watch the app's debug stream, scored by when that interest lapses (epoch
 *       ms on Redis's clock);
 *   <li>a node's share, tag {@code {n:NODE}}: {@code herald:{n:NODE}:s:APP}, hash channel → the
 *       node's subscriptions (for listings); {@code herald:{n:NODE}:c}, hash app id → the node's
 *       connections; {@code herald:{n:NODE}:keys}, set of the {@code o} keys of the channels the
 *       node holds subscribers or members of, for reaping; {@code herald:{n:NODE}:alive}, present
 *       while the node's state is in Redis (gone after a restart, which makes the node write it
 *       again);
 *   <li>a channel, tag {@code {APP|CHANNEL}}: {@code herald:{APP|CHANNEL}:o}, hash node → that
 *       node's subscriptions (the occupied and vacated decisions); {@code herald:{APP|CHANNEL}:mn},
 *       set of the nodes with members in the presence channel; {@code herald:{APP|CHANNEL}:m:NODE},
 *       hash user id → user_info (empty when none) of that node's members; {@code
 *       herald:{APP|CHANNEL}:cache}, a cache channel's last event (JSON, with Redis's TTL); {@code
 *       herald:{APP|CHANNEL}:hmeta}, hash of the channel's history: {@code e} its epoch, {@code n}
 *       the last serial given (docs/recovery.md); {@code herald:{APP|CHANNEL}:hist}, stream of the
 *       channel's kept events, entry id {@code SERIAL-0}, fields {@code f} (frame), {@code t}
 *       (recorded at, ms) and {@code x} (excluded socket id, empty for none);
 *   <li>an app's stats, tag {@code {st:APP}}: {@code herald:{st:APP}:nodes}, sorted set of the
 *       nodes that recorded the app's figures, scored by the last step each recorded (epoch ms);
 *       {@code herald:{st:APP}:r:NODE}, hash of the node's two rings for the app, slot → {@code
 *       STEP:CONNECTIONS:MESSAGES}: {@code hN} the 10-second steps of the last hour, {@code dN} the
 *       minutes of the last day;
 *   <li>pub/sub: {@code herald:ch:{APP|CHANNEL}}, publications, recorded or not ({@link Relay}), in
 *       the channel's slot, so the script that records an event can publish it on a shard channel;
 *       {@code herald:ctl}, node commands; {@code herald:act:APP}, the app's debug stream (JSON
 *       events).
 * </ul>
 *
 * <p>{@code APP|CHANNEL} splits at its first {@code |}: app ids never contain one ({@link AppIds}),
 * channel names may contain anything after it. Neither contains a brace (app ids by {@link AppIds},
 * channel names by {@code ChannelNames}), so a tag ends where its name does; a name with a closing
 * brace would still keep its keys together, only cut its tag short. Node ids are digits (the node
 * part of socket ids).
 */
final class RedisKeys {

    static final String DEFAULT_NAMESPACE = "herald";

    private static final char APP_END = '|';

    private final String prefix;
    private final String relayPrefix;
    private final String activityPrefix;

    /**
     * Keys under {@code namespace:}; the namespace must not contain {@code :}, {@code |} or a
     * brace.
     */
    RedisKeys(String namespace) {
        if (namespace.isEmpty()
                || namespace.indexOf(':') >= 0
                || namespace.indexOf(APP_END) >= 0
                || namespace.indexOf('{') >= 0
                || namespace.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "Redis namespace must be non-empty, without ':', '|', '{' or '}': "
                            + namespace);
        }
        this.prefix = namespace + ':';
        this.relayPrefix = prefix + "ch:{";
        this.activityPrefix = prefix + "act:";
    }

    /** {@code APP|CHANNEL}: the app id first, so the first {@code |} always ends it. */
    static String appChannel(String appId, String channel) {
        return appId + APP_END + channel;
    }

    /**
     * Reads {@link #appChannel} back: {@code null} when there is no {@code |} or the part before it
     * is not a valid app id (a name some other writer made).
     */
    static AppChannel readAppChannel(String text) {
        int end = text.indexOf(APP_END);
        if (end < 0) {
            return null;
        }
        String appId = text.substring(0, end);
        return AppIds.isValid(appId) ? new AppChannel(appId, text.substring(end + 1)) : null;
    }

    /** An app's channel, as read back from a key or a pub/sub channel name. */
    record AppChannel(String appId, String channel) {}

    // -- global

    /** The leases: node id → lease expiry (epoch ms); tag {@code {g}}, with {@link #reaping}. */
    String nodes() {
        return prefix + "{g}:nodes";
    }

    /**
     * Nodes claimed for reaping and not finished: node id → claim time (epoch ms). Every decision
     * counts them gone, so a reaper that dies half-way leaves no dead node counted.
     */
    String reaping() {
        return prefix + "{g}:reaping";
    }

    // -- a node's share, tag {n:NODE}

    private String node(String node) {
        return prefix + "{n:" + node + "}:";
    }

    /** The node's subscriptions to the app's channels: channel → count. */
    String subscriptions(String node, String appId) {
        return node(node) + "s:" + appId;
    }

    /** The node's connections: app id → count. */
    String connections(String node) {
        return node(node) + "c";
    }

    /** The {@link #occupancy} keys of the channels the node holds something in. */
    String nodeKeys(String node) {
        return node(node) + "keys";
    }

    String alive(String node) {
        return node(node) + "alive";
    }

    // -- a channel, tag {APP|CHANNEL}

    private String channel(String appId, String channel) {
        return prefix + "{" + appChannel(appId, channel) + "}:";
    }

    /** Which nodes hold the channel: node → its subscriptions there. */
    String occupancy(String appId, String channel) {
        return channel(appId, channel) + "o";
    }

    /**
     * Reads back an {@link #occupancy} key (a member of {@link #nodeKeys}); {@code null} for any
     * other name.
     */
    AppChannel readOccupancy(String key) {
        String start = prefix + "{";
        String end = "}:o";
        if (!key.startsWith(start)
                || !key.endsWith(end)
                || key.length() < start.length() + end.length()) {
            return null;
        }
        return readAppChannel(key.substring(start.length(), key.length() - end.length()));
    }

    /** The nodes with members in the presence channel. */
    String memberNodes(String appId, String channel) {
        return channel(appId, channel) + "mn";
    }

    /** One node's members in the presence channel: user id → user_info. */
    String members(String appId, String channel, String node) {
        return membersStem(appId, channel) + node;
    }

    /** What precedes the node id in {@link #members}: the scripts build other nodes' keys. */
    String membersStem(String appId, String channel) {
        return channel(appId, channel) + "m:";
    }

    /** A cache channel's last event. */
    String cache(String appId, String channel) {
        return channel(appId, channel) + "cache";
    }

    /** A channel's history: its epoch and last serial. */
    String historyMeta(String appId, String channel) {
        return channel(appId, channel) + "hmeta";
    }

    /** A channel's history: its kept events. */
    String historyStream(String appId, String channel) {
        return channel(appId, channel) + "hist";
    }

    // -- webhooks

    /**
     * The mark's own text names the channel (and user); the key only places it (one key per
     * command, so its slot matters to no one).
     */
    String removalMark(String mark) {
        return prefix + "gone:" + mark;
    }

    // -- pub/sub

    /** A channel's publications, in the channel's slot (a shard channel on a cluster). */
    String relayChannel(String appId, String channel) {
        return relayPrefix + appChannel(appId, channel) + "}";
    }

    /** Reads back a {@link #relayChannel}; {@code null} if it is not one. */
    AppChannel readRelayChannel(String name) {
        return name.startsWith(relayPrefix)
                        && name.endsWith("}")
                        && name.length() > relayPrefix.length()
                ? readAppChannel(name.substring(relayPrefix.length(), name.length() - 1))
                : null;
    }

    String controlChannel() {
        return prefix + "ctl";
    }

    // -- the console: debug stream and stats history

    /** Who watches which app's debug stream: members {@link #watcher}, scored by lapse time. */
    String watching() {
        return prefix + "watching";
    }

    /** A member of {@link #watching}: {@code APP|NODE}, read back by {@link #readWatcher}. */
    static String watcher(String appId, String node) {
        return appChannel(appId, node);
    }

    /** What follows the app id in this node's {@link #watcher} members (the script's test). */
    static String watcherSuffix(String node) {
        return APP_END + node;
    }

    /** Reads back a {@link #watcher}: app and node; {@code null} if it is not one. */
    static Watcher readWatcher(String member) {
        AppChannel read = readAppChannel(member);
        return read == null || read.channel().isEmpty()
                ? null
                : new Watcher(read.appId(), read.channel());
    }

    /** One node's interest in one app's debug stream. */
    record Watcher(String appId, String node) {}

    String activityChannel(String appId) {
        return activityPrefix + appId;
    }

    /** The app of an {@link #activityChannel}; {@code null} if the name is not one. */
    String readActivityChannel(String name) {
        if (!name.startsWith(activityPrefix)) {
            return null;
        }
        String appId = name.substring(activityPrefix.length());
        return AppIds.isValid(appId) ? appId : null;
    }

    // -- an app's stats, tag {st:APP}

    /** The nodes that recorded the app's figures, scored by the last step each recorded. */
    String statsNodes(String appId) {
        return stats(appId) + "nodes";
    }

    /** What precedes the node id in the key of a node's rings (the script builds them). */
    String statsRingsPrefix(String appId) {
        return stats(appId) + "r:";
    }

    private String stats(String appId) {
        return prefix + "{st:" + appId + "}:";
    }

    String statsRings(String appId, String node) {
        return statsRingsPrefix(appId) + node;
    }
}
