package dev.herald.redis;

/** Redis key names; see {@link Scripts} for the layout. */
final class Keys {

    static final String NODES = "herald:nodes";

    private Keys() {
    }

    static String subscriptions(String node, String appId) {
        return "herald:n:" + node + ":s:" + appId;
    }

    static String members(String node, String appId, String channel) {
        return "herald:n:" + node + ":p:" + membersSuffix(appId, channel);
    }

    static String membersSuffix(String appId, String channel) {
        return appId + '|' + channel;
    }

    static String connections(String node) {
        return "herald:n:" + node + ":c";
    }

    static String nodeKeys(String node) {
        return "herald:n:" + node + ":keys";
    }

    /** Present while this node's state is in Redis; gone after a Redis restart. */
    static String alive(String node) {
        return "herald:n:" + node + ":alive";
    }
}
