package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.client.channel.PusherEvent;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.Results;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cache channels (docs/protocol.md §3.7) as the Java libraries use them: an event published with
 * pusher-http-java is replayed to a new pusher-java-client subscriber, which hands {@code
 * pusher:cache_miss} to the channel's listeners. The frame order, every kind of cache channel,
 * {@code info=cache} and the TTL are in-process in {@code HttpApiTest$Cache}.
 */
class CacheChannelsIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("cache");
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void javaClientReceivesTheCachedEventOrACacheMiss() {
        JavaClient client = open.track(JavaClient.connected(herald, "reader"));
        Results.ok(sdk.trigger("cache-java", "state", Map.of("on", true)));

        JavaClient.Recorder cached = client.subscribe("cache-java");
        JavaClient.Recorder empty = client.subscribe("cache-java-empty");

        PusherEvent state = cached.awaitEvent("state");
        assertThat(state.getData()).isEqualTo("{\"on\":true}");
        assertThat(state.getChannelName()).isEqualTo("cache-java");
        assertThat(empty.awaitEvent("pusher:cache_miss").getChannelName())
                .isEqualTo("cache-java-empty");
        cached.fence(sdk);
        assertThat(cached.events("pusher:cache_miss")).isEmpty();
    }
}
