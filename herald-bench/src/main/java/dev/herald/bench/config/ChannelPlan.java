package dev.herald.bench.config;

/**
 * Which channels each connection subscribes to, computed the same way in every process:
 * connection {@code i}'s {@code j}-th channel is {@code (i*K + j) mod C}. With K &le; C the K
 * channels of a connection are distinct, and subscribers spread evenly over the channels.
 */
public final class ChannelPlan {
    private final int connections;
    private final int channels;
    private final int perConn;
    private final ChannelType type;
    private final String stem;
    private final int[] subscribers;

    public ChannelPlan(int connections, int channels, int perConn, ChannelType type, String stem) {
        this.connections = connections;
        this.channels = channels;
        this.perConn = perConn;
        this.type = type;
        this.stem = stem;
        this.subscribers = new int[Math.max(channels, 1)];
        for (int i = 0; i < connections; i++) {
            for (int j = 0; j < perConn; j++) {
                subscribers[channelOf(i, j)]++;
            }
        }
    }

    public int channelOf(int connection, int j) {
        return (int) (((long) connection * perConn + j) % channels);
    }

    public String name(int channel) {
        return type.prefix + stem + channel;
    }

    public int subscribers(int channel) {
        return subscribers[channel];
    }

    public int channels() {
        return channels;
    }

    public int perConn() {
        return perConn;
    }

    public int connections() {
        return connections;
    }

    public ChannelType type() {
        return type;
    }

    public long totalSubscriptions() {
        return (long) connections * perConn;
    }
}
