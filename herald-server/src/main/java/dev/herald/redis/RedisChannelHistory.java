package dev.herald.redis;

import dev.herald.apps.HistoryRule;
import dev.herald.history.ChannelHistory;
import dev.herald.history.HistoryPage;
import dev.herald.history.RecordedEvent;
import dev.herald.protocol.StreamPosition;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Channel history in Redis, shared by every node (docs/recovery.md, "In a cluster"): per channel a
 * hash with the epoch and the last serial, and a stream of the kept events whose entry ids are the
 * serials. Events are recorded by {@link RedisBroker#publishRecorded}, in the same script that
 * publishes them; this class reads.
 *
 * <p>A read is one script: it trims what the rule no longer keeps, starts the channel's epoch if it
 * has none (so a fresh reader always gets a position to come back with), and answers the gap or the
 * events after the asked position, by the same rules as the local engine's.
 */
public final class RedisChannelHistory implements ChannelHistory {

    /**
     * How long a channel's epoch outlives its last event (on top of the rule's ttl), so a quiet
     * channel gives no gap.
     */
    static final Duration EPOCH_KEPT = Duration.ofDays(1);

    private static final byte[] NONE = new byte[0];
    private static final byte[] PUBLISH = bytes("PUBLISH");
    private static final byte[] SPUBLISH = bytes("SPUBLISH");

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final RedisKeys keys;

    /** Reads through the node's connection for binary commands, the one that records. */
    public RedisChannelHistory(RedisConnections connections) {
        this.redis = connections.publishing();
        this.keys = connections.keys();
    }

    /**
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    @Override
    public CompletionStage<HistoryPage> read(
            String appId, String channel, StreamPosition since, int limit, HistoryRule rule) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        // a channel never holds more than its size, so a larger limit reads the same
        int count = Math.min(limit, rule.size());
        try {
            return Scripts.HISTORY_READ
                    .<List<Object>>run(
                            redis,
                            ScriptOutputType.MULTI,
                            keys(keys, appId, channel),
                            bytes(newEpoch()),
                            bytes(rule.size()),
                            bytes(ttlMillis(rule)),
                            // an epoch a read starts lives only the rule's ttl until an event is
                            // recorded: subscribing to made-up channel names must not fill Redis
                            bytes(ttlMillis(rule)),
                            since == null ? NONE : bytes(since.epoch()),
                            since == null ? NONE : bytes(since.serial()),
                            bytes(count))
                    .thenApply(RedisChannelHistory::page);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // the connections are closed
        }
    }

    /**
     * Runs the recording script ({@link RedisBroker#publishRecorded}): records the frame and
     * publishes it as a recorded publication on the channel's relay channel.
     *
     * @param exclude the excluded socket id, or {@code null}; at most {@link Relay#MAX_FIELD_BYTES}
     *     ASCII characters, like the node id
     * @param sharded whether the relay channel is a shard channel ({@code SPUBLISH}, on a Redis
     *     Cluster: {@link RedisConnections#sharded})
     * @return the script's answer, read by {@link #recorded}
     */
    static CompletableFuture<List<Object>> record(
            RedisClusterAsyncCommands<byte[], byte[]> redis,
            RedisKeys keys,
            String appId,
            String channel,
            HistoryRule rule,
            byte[] nodeId,
            String exclude,
            ByteBuf frame,
            boolean sharded) {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), bytes);
        return Scripts.HISTORY_RECORD.run(
                redis,
                ScriptOutputType.MULTI,
                keys(keys, appId, channel),
                bytes(newEpoch()),
                bytes(rule.size()),
                bytes(ttlMillis(rule)),
                bytes(epochKeptMillis(rule)),
                bytes(keys.relayChannel(appId, channel)),
                nodeId,
                exclude == null ? NONE : exclude.getBytes(StandardCharsets.US_ASCII),
                bytes,
                sharded ? SPUBLISH : PUBLISH);
    }

    /** The position the recording script gave. */
    static StreamPosition recorded(List<Object> reply) {
        return new StreamPosition(text(reply.get(0)), (Long) reply.get(1));
    }

    private static HistoryPage page(List<Object> reply) {
        String epoch = text(reply.get(0));
        long head = (Long) reply.get(1);
        String gap = text(reply.get(2));
        boolean more = (Long) reply.get(3) == 1;
        List<RecordedEvent> events = new ArrayList<>((reply.size() - 4) / 3);
        for (int i = 4; i + 2 < reply.size(); i += 3) {
            String exclude = text(reply.get(i + 2));
            events.add(
                    new RecordedEvent(
                            new StreamPosition(epoch, (Long) reply.get(i)),
                            (byte[]) reply.get(i + 1),
                            exclude.isEmpty() ? null : exclude));
        }
        return new HistoryPage(
                new StreamPosition(epoch, head),
                events,
                gap.isEmpty() ? null : HistoryPage.Gap.valueOf(gap),
                more);
    }

    @Override
    public void close() {
        // connections belong to RedisConnections
    }

    /** Eight letters and digits: a new generation of one channel's history. */
    private static String newEpoch() {
        char[] out = new char[8];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < out.length; i++) {
            out[i] = Character.forDigit(random.nextInt(36), 36);
        }
        return new String(out);
    }

    /** The keys both history scripts take: the channel's meta, then its stream. */
    private static byte[][] keys(RedisKeys keys, String appId, String channel) {
        return new byte[][] {
            bytes(keys.historyMeta(appId, channel)), bytes(keys.historyStream(appId, channel))
        };
    }

    private static long ttlMillis(HistoryRule rule) {
        return rule.ttlSeconds() * 1000L;
    }

    private static long epochKeptMillis(HistoryRule rule) {
        return ttlMillis(rule) + EPOCH_KEPT.toMillis();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(long number) {
        return bytes(Long.toString(number));
    }

    private static String text(Object bulk) {
        return new String((byte[]) bulk, StandardCharsets.UTF_8);
    }
}
