package dev.herald.redis;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which Redis a cluster of Herald nodes shares (checked by the settings that name it): one Redis or
 * a Sentinel-watched master, named by a URL ({@code redis://}, {@code rediss://}, {@code
 * redis-sentinel://}), or a Redis Cluster, named by some of its nodes (the rest are discovered).
 *
 * @param url the URL of one Redis or of its sentinels; {@code null} for a Redis Cluster
 * @param clusterNodes {@code host:port} of Redis Cluster nodes to start from; empty for a URL
 * @param username the cluster's ACL user, or {@code null} for the default user
 * @param password the cluster's password, or {@code null} for none
 * @param tls whether the cluster's nodes speak TLS
 * @param shardedPubSub whether the cluster's relay channels are shard channels (Redis 7); classic
 *     pub/sub reaches every node of the cluster with every publication
 */
public record RedisTarget(
        String url,
        List<String> clusterNodes,
        String username,
        String password,
        boolean tls,
        boolean shardedPubSub) {

    public RedisTarget {
        clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
        if ((url == null) == clusterNodes.isEmpty()) {
            throw new IllegalArgumentException(
                    "a Redis target is a URL or cluster nodes, not both");
        }
    }

    /** One Redis, or a master found through sentinels ({@code redis-sentinel://…#master}). */
    public static RedisTarget url(String url) {
        return new RedisTarget(
                Objects.requireNonNull(url, "url"), List.of(), null, null, false, false);
    }

    /** A Redis Cluster, entered through any of {@code nodes}. */
    public static RedisTarget cluster(
            List<String> nodes, String username, String password, boolean tls) {
        return new RedisTarget(null, nodes, username, password, tls, true);
    }

    /** Whether this is a Redis Cluster: keys and shard channels spread over its masters. */
    public boolean isCluster() {
        return !clusterNodes.isEmpty();
    }

    /** The URIs Lettuce starts from. */
    List<RedisURI> uris() {
        if (!isCluster()) {
            return List.of(RedisURI.create(url));
        }
        List<RedisURI> uris = new ArrayList<>();
        for (String node : clusterNodes) {
            int colon = node.lastIndexOf(':');
            String host = node.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            RedisURI.Builder uri =
                    RedisURI.builder()
                            .withHost(host)
                            .withPort(Integer.parseInt(node.substring(colon + 1)))
                            .withSsl(tls);
            if (password != null) {
                if (username != null) {
                    uri.withAuthentication(username, password.toCharArray());
                } else {
                    uri.withPassword(password.toCharArray());
                }
            }
            uris.add(uri.build());
        }
        return uris;
    }

    /** Where this is, for messages: never a password. */
    public String describe() {
        if (isCluster()) {
            return "Redis Cluster at " + String.join(",", clusterNodes);
        }
        RedisURI uri = RedisURI.create(url);
        if (!uri.getSentinels().isEmpty()) {
            List<String> sentinels = new ArrayList<>();
            uri.getSentinels().forEach(s -> sentinels.add(s.getHost() + ":" + s.getPort()));
            return "Redis master '"
                    + uri.getSentinelMasterId()
                    + "' through sentinels "
                    + String.join(",", sentinels);
        }
        return "Redis at " + uri.getHost() + ":" + uri.getPort();
    }

    @Override
    public String toString() {
        return "RedisTarget[" + describe() + "]";
    }
}
