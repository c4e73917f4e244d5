package dev.herald.bench.config;

/**
 * The protocol of the server under test. The scenarios, payload and figures are the same for every
 * target; only how a connection subscribes and how a publication is sent differ.
 */
public enum Target {
    /**
     * Pusher protocol 7 (Herald, soketi, …): WebSocket {@code /app/{key}}, {@code pusher:subscribe}
     * per channel, signed {@code POST /apps/{id}/events}.
     */
    PUSHER,
    /**
     * nchan (the nginx pub/sub module): a WebSocket to {@code <sub-path><c1>,<c2>,…} subscribes to
     * its channels by the upgrade itself; a publication is a plain {@code POST <pub-path><channel>}
     * whose body the subscribers receive as the whole WebSocket message. nchan has no channel
     * authorization, so only public channels can be measured.
     */
    NCHAN;

    /**
     * nchan splits a multiplexed channel id into at most this many channels; a subscriber location
     * with more is refused.
     */
    public static final int NCHAN_MAX_CHANNELS_PER_CONNECTION = 255;
}
