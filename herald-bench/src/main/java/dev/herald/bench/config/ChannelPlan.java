package dev.herald.bench.config;

/**
 * Which channels each connection subscribes to, computed the same way in every process: connection
 * {@code i}'s {@code j}-th channel is {@code (i*K + j) mod C}. With K &le; C the K channels of a
 * connection are distinct, and subscribers spread evenly over the channels.
 */
public final class ChannelPlan {
    private static final int MIXED_KINDS = 3;

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
        if (type == ChannelType.MIXED) {
            // the public channels are then bench-0, bench-1, ...: the names a plain public plan of
            // publicChannels() channels gives the HTTP publisher
            return typeOf(channel).prefix + stem + channel / MIXED_KINDS;
        }
        return type.prefix + stem + channel;
    }

    /**
     * The kind of one channel: the plan's type, or for a mixed plan public, private, presence by
     * index.
     */
    public ChannelType typeOf(int channel) {
        if (type != ChannelType.MIXED) {
            return type;
        }
        switch (channel % MIXED_KINDS) {
            case 0:
                return ChannelType.PUBLIC;
            case 1:
                return ChannelType.PRIVATE;
            default:
                return ChannelType.PRESENCE;
        }
    }

    /** How many of the channels are public (all, none, or every third for a mixed plan). */
    public int publicChannels() {
        switch (type) {
            case PUBLIC:
                return channels;
            case MIXED:
                return (channels + MIXED_KINDS - 1) / MIXED_KINDS;
            default:
                return 0;
        }
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
