package dev.herald.cache;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Last events of cache channels. Only events published through the HTTP API are cached, never
 * client events (docs/protocol.md §3.7). Called on event loops: implementations answer from memory.
 */
public interface ChannelCache extends AutoCloseable {

    void put(String appId, String channel, String event, String data, Duration ttl);

    /** The live cached event, or {@code null}; may complete on another thread. */
    CompletionStage<CachedEvent> get(String appId, String channel);

    @Override
    void close();
}
