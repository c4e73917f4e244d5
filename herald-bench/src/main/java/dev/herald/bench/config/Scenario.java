package dev.herald.bench.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The named scenarios and their defaults. Every default can be overridden by a flag; the defaults
 * are the figures of issue 5 where it names them.
 */
public enum Scenario {
    FANOUT(
            "fanout",
            FleetMode.SUBSCRIBE,
            "N subscribers on C channels; the HTTP API publishes R events/s, round-robin over the channels.",
            2000,
            1,
            1,
            ChannelType.PUBLIC,
            20,
            Duration.ofSeconds(30),
            Duration.ofSeconds(3),
            4),
    IDLE(
            "idle",
            FleetMode.SUBSCRIBE,
            "N connections x 2 channels, held idle: setup rate and server memory per connection.",
            15000,
            1000,
            2,
            ChannelType.PUBLIC,
            0,
            Duration.ofSeconds(20),
            Duration.ZERO,
            0),
    CHURN(
            "churn",
            FleetMode.CHURN,
            "Soak: N concurrent slots, each looping connect -> subscribe K channels (public, private, presence) -> send client events for"
                    + " --lifetime -> close (R cycles/s in all, 0 = as fast as possible), while the HTTP API publishes --trigger-rate/s"
                    + " to the public channels. Reports unexpected closes, subscription errors and missed deliveries;"
                    + " with --server-pid and --sample-every, samples the server's RSS, open files and live heap (warm-up: samples left out of the slopes).",
            100,
            30,
            3,
            ChannelType.MIXED,
            20,
            Duration.ofSeconds(60),
            Duration.ofSeconds(15),
            1),
    PRESENCE(
            "presence",
            FleetMode.PRESENCE,
            "N members over C presence channels join and leave in a storm (R toggles/s in all, 0 = as fast as answers come).",
            1000,
            20,
            1,
            ChannelType.PRESENCE,
            0,
            Duration.ofSeconds(20),
            Duration.ZERO,
            0),
    TRIGGER(
            "trigger",
            FleetMode.NONE,
            "Signed POST /apps/{id}/events to a channel with no subscribers over keep-alive connections (R requests/s, 0 = closed loop, as fast as answered).",
            0,
            1,
            0,
            ChannelType.PUBLIC,
            0,
            Duration.ofSeconds(20),
            Duration.ofSeconds(3),
            16),
    CLIENT_EVENTS(
            "client-events",
            FleetMode.CLIENT_EVENTS,
            "N connections on C private channels; senders emit client events (R/s in all), the other subscribers receive them.",
            1000,
            100,
            1,
            ChannelType.PRIVATE,
            1000,
            Duration.ofSeconds(30),
            Duration.ofSeconds(3),
            0),
    RECONNECT_STORM(
            "reconnect-storm",
            FleetMode.STORM,
            "N clients over several nodes (--ports), some on private and presence channels; one node (--storm-node-pid) is drained"
                    + " (SIGTERM) or killed (SIGKILL) and each of its clients reconnects to another node, re-subscribes and waits for a"
                    + " marker event. Reports when the moved clients are back, those never back within --storm-timeout, errors by kind,"
                    + " and the fan-out latency of the other clients before, during and after the storm (steady stream of R publishes/s).",
            10000,
            1000,
            2,
            ChannelType.PUBLIC,
            200,
            Duration.ofSeconds(10),
            Duration.ofSeconds(5),
            4);

    public final String cliName;
    public final FleetMode mode;
    public final String description;
    public final int connections;
    public final int channels;
    public final int channelsPerConnection;
    public final ChannelType channelType;
    public final double rate;
    public final Duration duration;
    public final Duration warmup;
    public final int httpConnections;

    Scenario(
            String cliName,
            FleetMode mode,
            String description,
            int connections,
            int channels,
            int channelsPerConnection,
            ChannelType channelType,
            double rate,
            Duration duration,
            Duration warmup,
            int httpConnections) {
        this.cliName = cliName;
        this.mode = mode;
        this.description = description;
        this.connections = connections;
        this.channels = channels;
        this.channelsPerConnection = channelsPerConnection;
        this.channelType = channelType;
        this.rate = rate;
        this.duration = duration;
        this.warmup = warmup;
        this.httpConnections = httpConnections;
    }

    public static Scenario byName(String name) {
        for (Scenario s : values()) {
            if (s.cliName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario " + name);
    }

    /** The defaults as a help footer. */
    public String defaultsText() {
        return String.format(
                "Defaults for %s: --connections %d --channels %d --channels-per-conn %d --channel-type %s"
                        + " --rate %s --duration %s --warmup %s%s%s",
                cliName,
                connections,
                channels,
                channelsPerConnection,
                channelType.name().toLowerCase(Locale.ROOT),
                rate == (long) rate ? Long.toString((long) rate) : Double.toString(rate),
                Durations.format(duration),
                Durations.format(warmup),
                httpConnections > 0 ? " --http-connections " + httpConnections : "",
                this == CHURN
                        ? String.format(
                                Locale.ROOT,
                                " --lifetime %s --client-event-rate %s --trigger-rate %s",
                                Durations.format(BenchConfig.DEFAULT_LIFETIME),
                                BenchConfig.DEFAULT_CLIENT_EVENT_RATE,
                                BenchConfig.DEFAULT_TRIGGER_RATE)
                        : this == RECONNECT_STORM
                                ? String.format(
                                        Locale.ROOT,
                                        " --storm %s --storm-timeout %s --marker-interval %s --reconnect-delay-4200 %s"
                                                + " --reconnect-delay-abrupt %s --private-fraction %s --presence-fraction %s",
                                        BenchConfig.DEFAULT_STORM.name().toLowerCase(Locale.ROOT),
                                        Durations.format(BenchConfig.DEFAULT_STORM_TIMEOUT),
                                        Durations.format(BenchConfig.DEFAULT_MARKER_INTERVAL),
                                        Durations.format(BenchConfig.DEFAULT_RECONNECT_DELAY_4200),
                                        Durations.format(
                                                BenchConfig.DEFAULT_RECONNECT_DELAY_ABRUPT),
                                        BenchConfig.DEFAULT_PRIVATE_FRACTION,
                                        BenchConfig.DEFAULT_PRESENCE_FRACTION)
                                : "");
    }
}
