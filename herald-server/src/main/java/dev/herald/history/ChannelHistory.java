package dev.herald.history;

import dev.herald.apps.HistoryRule;
import dev.herald.protocol.StreamPosition;
import java.util.concurrent.CompletionStage;

/**
 * Reads the recent events of the channels an app keeps history for (docs/recovery.md).
 *
 * <p>Events are recorded by the {@link dev.herald.broker.Broker#publishRecorded broker}, in the
 * same step as their publication, so the order of positions is the order in which every node
 * delivers them. An engine shared by nodes gives the same positions on every node.
 *
 * <p>Reads complete on any thread; callers hop back to their own.
 */
public interface ChannelHistory extends AutoCloseable {

    /**
     * The events after {@code since}, oldest first.
     *
     * @param since the last position the reader has, or {@code null} for every event still kept
     * @param limit at most this many events (at least 1)
     * @param rule the channel's rule: how many events are kept and for how long
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    CompletionStage<HistoryPage> read(
            String appId, String channel, StreamPosition since, int limit, HistoryRule rule);

    @Override
    void close();
}
