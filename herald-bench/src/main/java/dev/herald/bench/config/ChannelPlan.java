package dev.herald.bench.config;

/**
 * Which channels each connection subscribes to, computed the same way in every process: connection
 * {@code i}'s {@code j}-th channel is {@code (i*K + j) mod C}. With K &le; C the K channels of a
 * connection are distinct, and subscribers spread evenly over the channels.
 *
 * <p>A public plan may give some connections a private or presence last channel ({@link #kindOf}):
 * reconnect-storm's clients that re-authorise when they subscribe again. Such a channel is named
 * with its kind's prefix ({@code private-bench-7}), so index 7 may then be three channels.
 */
public final class ChannelPlan {
    private static final int MIXED_KINDS = 3;

    /**
     * Connection {@code i}'s kind comes from the fractional part of {@code i} times this (the
     * golden ratio's conjugate): a sequence that spreads any share evenly over the connections, and
     * so over the nodes they alternate between.
     */
    private static final double SPREAD = 0.6180339887498949;

    private final int connections;
    private final int channels;
    private final int perConn;
    private final ChannelType type;
    private final String stem;
    private final double privateFraction;
    private final double presenceFraction;
    private final int[] subscribers;

    public ChannelPlan(int connections, int channels, int perConn, ChannelType type, String stem) {
        this(connections, channels, perConn, type, stem, 0, 0);
    }

    /**
     * A plan whose connections' last channel is private for about {@code privateFraction} of them
     * and presence for about {@code presenceFraction} (a public plan only).
     */
    public ChannelPlan(
            int connections,
            int channels,
            int perConn,
            ChannelType type,
            String stem,
            double privateFraction,
            double presenceFraction) {
        if ((privateFraction > 0 || presenceFraction > 0) && type != ChannelType.PUBLIC) {
            throw new IllegalArgumentException("private and presence shares need a public plan");
        }
        this.connections = connections;
        this.channels = channels;
        this.perConn = perConn;
        this.type = type;
        this.stem = stem;
        this.privateFraction = privateFraction;
        this.presenceFraction = presenceFraction;
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

    /**
     * The kind of connection {@code slot}: public, or private or presence for its share of a plan
     * with {@code privateFraction}/{@code presenceFraction} (the kind of its last channel).
     */
    public ChannelType kindOf(int slot) {
        if (privateFraction <= 0 && presenceFraction <= 0) {
            return type == ChannelType.MIXED ? ChannelType.PUBLIC : type;
        }
        double u = (slot * SPREAD) % 1.0;
        if (u < presenceFraction) {
            return ChannelType.PRESENCE;
        }
        return u < presenceFraction + privateFraction ? ChannelType.PRIVATE : ChannelType.PUBLIC;
    }

    /** The kind of connection {@code slot}'s {@code j}-th channel. */
    public ChannelType typeOf(int slot, int j) {
        if (j == perConn - 1 && (privateFraction > 0 || presenceFraction > 0)) {
            return kindOf(slot);
        }
        return typeOf(channelOf(slot, j));
    }

    /** The name of connection {@code slot}'s {@code j}-th channel. */
    public String nameOf(int slot, int j) {
        int index = channelOf(slot, j);
        if (j == perConn - 1 && (privateFraction > 0 || presenceFraction > 0)) {
            return kindOf(slot).prefix + stem + index;
        }
        return name(index);
    }

    /** The most members any presence channel of the plan gets (0 when it has none). */
    public int mostPresenceMembers() {
        int[] members = new int[Math.max(channels, 1)];
        int most = 0;
        for (int i = 0; i < connections; i++) {
            for (int j = 0; j < perConn; j++) {
                if (typeOf(i, j) == ChannelType.PRESENCE) {
                    most = Math.max(most, ++members[channelOf(i, j)]);
                }
            }
        }
        return most;
    }

    /**
     * Subscriptions to channel index {@code channel}; in a plan with private and presence shares,
     * to every channel of that index together.
     */
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
