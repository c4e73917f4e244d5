package dev.herald.redis;

import dev.herald.apps.AppIds;

/**
 * Every Redis key and pub/sub channel name Herald uses, built and read back here only. The Lua
 * scripts get the pieces they need as arguments, so this class is the one place the layout is
 * written.
 *
 * <p>Layout, with namespace {@code herald} (the default; tests use their own):
 *
 * <ul>
 *   <li>{@code herald:nodes}: sorted set of node ids, scored by lease expiry (epoch ms); a node is
 *       live while its score is in the future;
 *   <li>{@code herald:n:NODE:s:APP}: hash channel → the node's local subscriptions;
 *   <li>{@code herald:n:NODE:p:APP|CHANNEL}: hash user id → user_info (empty when none);
 *   <li>{@code herald:n:NODE:c}: hash app id → the node's connections;
 *   <li>{@code herald:n:NODE:keys}: set of the node's {@code s} and {@code p} keys, for reaping;
 *   <li>{@code herald:n:NODE:alive}: present while the node's state is in Redis (gone after a Redis
 *       restart, which makes the node write it again);
 *   <li>{@code herald:cache:APP|CHANNEL}: a cache channel's last event (JSON, with Redis's TTL);
 *   <li>{@code herald:gone:MARK}: a webhook removal mark, holding the marking node's id;
 *   <li>{@code herald:watching}: sorted set of {@code APP|NODE}, a node whose viewers watch the
 *       app's debug stream, scored by when that interest lapses (epoch ms on Redis's clock);
 *   <li>{@code herald:stats:APP}: sorted set of the nodes that recorded the app's figures, scored
 *       by the last step each recorded (epoch ms);
 *   <li>{@code herald:stats:APP|NODE}: hash of the node's two rings for the app, slot → {@code
 *       STEP:CONNECTIONS:MESSAGES}: {@code hN} the 10-second steps of the last hour, {@code dN} the
 *       minutes of the last day;
 *   <li>{@code herald:hmeta:APP|CHANNEL}: hash of a channel's history: {@code e} its epoch, {@code
 *       n} the last serial given (docs/recovery.md);
 *   <li>{@code herald:hist:APP|CHANNEL}: stream of the channel's kept events, entry id {@code
 *       SERIAL-0}, fields {@code f} (frame), {@code t} (recorded at, ms) and {@code x} (excluded
 *       socket id, empty for none);
 *   <li>pub/sub {@code herald:ch:APP|CHANNEL}: publications, recorded or not ({@link Relay});
 *       {@code herald:ctl}: node commands; {@code herald:act:APP}: the app's debug stream (JSON
 *       events).
 * </ul>
 *
 * <p>{@code APP|CHANNEL} splits at its first {@code |}: app ids never contain one ({@link AppIds}),
 * channel names may contain anything after it. Node ids are digits (the node part of socket ids),
 * so {@code herald:n:NODE:} ends at the first {@code :} after {@code n:}.
 */
final class RedisKeys {

    static final String DEFAULT_NAMESPACE = "herald";

    private static final char APP_END = '|';

    private final String prefix;
    private final String nodePrefix;
    private final String relayPrefix;
    private final String activityPrefix;

    /** Keys under {@code namespace:}; the namespace must not contain {@code :} or {@code |}. */
    RedisKeys(String namespace) {
        if (namespace.isEmpty() || namespace.indexOf(':') >= 0 || namespace.indexOf(APP_END) >= 0) {
            throw new IllegalArgumentException(
                    "Redis namespace must be non-empty, without ':' or '|': " + namespace);
        }
        this.prefix = namespace + ':';
        this.nodePrefix = prefix + "n:";
        this.relayPrefix = prefix + "ch:";
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

    // -- node state

    String nodes() {
        return prefix + "nodes";
    }

    /**
     * What precedes a node id in every per-node key; the scripts build other nodes' keys from it.
     */
    String nodePrefix() {
        return nodePrefix;
    }

    /** What follows the node id in the key of an app's subscription counts. */
    static String subscriptionsSuffix(String appId) {
        return ":s:" + appId;
    }

    /** What follows the node id in the key of a presence channel's members, up to the channel. */
    static String membersStem(String appId) {
        return ":p:" + appId + APP_END;
    }

    static String membersSuffix(String appId, String channel) {
        return membersStem(appId) + channel;
    }

    static String connectionsSuffix() {
        return ":c";
    }

    String subscriptions(String node, String appId) {
        return nodePrefix + node + subscriptionsSuffix(appId);
    }

    String members(String node, String appId, String channel) {
        return nodePrefix + node + membersSuffix(appId, channel);
    }

    String connections(String node) {
        return nodePrefix + node + connectionsSuffix();
    }

    String nodeKeys(String node) {
        return nodePrefix + node + ":keys";
    }

    String alive(String node) {
        return nodePrefix + node + ":alive";
    }

    /** The app of one of the node's {@link #subscriptions} keys; {@code null} for any other key. */
    String readSubscriptionsKey(String node, String key) {
        String start = nodePrefix + node + ":s:";
        if (!key.startsWith(start)) {
            return null;
        }
        String appId = key.substring(start.length());
        return AppIds.isValid(appId) ? appId : null;
    }

    /**
     * The app and channel of one of the node's {@link #members} keys; {@code null} for any other
     * key.
     */
    AppChannel readMembersKey(String node, String key) {
        String start = nodePrefix + node + ":p:";
        return key.startsWith(start) ? readAppChannel(key.substring(start.length())) : null;
    }

    // -- shared data

    String cache(String appId, String channel) {
        return prefix + "cache:" + appChannel(appId, channel);
    }

    /** A channel's history: its epoch and last serial. */
    String historyMeta(String appId, String channel) {
        return prefix + "hmeta:" + appChannel(appId, channel);
    }

    /** A channel's history: its kept events. */
    String historyStream(String appId, String channel) {
        return prefix + "hist:" + appChannel(appId, channel);
    }

    /** The mark's own text names the channel (and user); the key only places it. */
    String removalMark(String mark) {
        return prefix + "gone:" + mark;
    }

    // -- pub/sub

    String relayChannel(String appId, String channel) {
        return relayPrefix + appChannel(appId, channel);
    }

    /** Reads back a {@link #relayChannel}; {@code null} if it is not one. */
    AppChannel readRelayChannel(String name) {
        return name.startsWith(relayPrefix)
                ? readAppChannel(name.substring(relayPrefix.length()))
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

    /** The nodes that recorded the app's figures, scored by the last step each recorded. */
    String statsNodes(String appId) {
        return prefix + "stats:" + appId;
    }

    /** What precedes the node id in the key of a node's rings (the script builds them). */
    String statsRingsPrefix(String appId) {
        return prefix + "stats:" + appId + APP_END;
    }

    String statsRings(String appId, String node) {
        return statsRingsPrefix(appId) + node;
    }
}
