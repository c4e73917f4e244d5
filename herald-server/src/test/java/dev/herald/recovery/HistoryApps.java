package dev.herald.recovery;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.TestApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An apps file (docs/recovery.md "Turning history on") whose one app keeps history for:
 *
 * <ul>
 *   <li>{@code history-small-}: {@value #SMALL} events, for outages that outlast it;
 *   <li>{@code history-}, {@code private-history-}, {@code private-encrypted-history-}: {@value
 *       #LARGE} events, more than any test publishes;
 * </ul>
 *
 * and for nothing else ({@code plain-} channels, for one).
 */
final class HistoryApps {

    static final int SMALL = 20;
    static final int LARGE = 1_000;

    private HistoryApps() {}

    /** {@code HERALD_CONFIG} pointing at a new apps file for {@code app}. */
    static Map<String, String> env(TestApp app) {
        String yaml =
                """
                apps:
                  - id: %s
                    key: %s
                    secret: %s
                    history:
                      - channels: "history-small-"
                        size: %d
                        ttl_seconds: 600
                      - channels: "history-"
                        size: %d
                        ttl_seconds: 600
                      - channels: "private-history-"
                        size: %d
                        ttl_seconds: 600
                      - channels: "private-encrypted-history-"
                        size: %d
                        ttl_seconds: 600
                """
                        .formatted(app.id(), app.key(), app.secret(), SMALL, LARGE, LARGE, LARGE);
        try {
            Path dir = Files.createTempDirectory("herald-history-");
            Path file = Files.writeString(dir.resolve("apps.yaml"), yaml);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return Map.of("HERALD_CONFIG", file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default-app variables that keep {@value #LARGE} events of every {@code history-} and
     * {@code private-history-} channel: the other way to turn history on, for the servers that need
     * no {@code history-small-} rule.
     */
    static Map<String, String> defaultAppEnv() {
        return Map.of(
                "HERALD_APP_HISTORY_CHANNELS", "history-,private-history-",
                "HERALD_APP_HISTORY_SIZE", Integer.toString(LARGE),
                "HERALD_APP_HISTORY_TTL_SECONDS", "600");
    }

    /** pusher-http-java with {@code app}'s credentials, straight to {@code server}. */
    static Pusher sdk(HeraldProcess server, TestApp app) {
        Pusher pusher = new Pusher(app.id(), app.key(), app.secret());
        pusher.setHost(HeraldProcess.HOST + ":" + server.port());
        pusher.setRequestTimeout(15_000);
        return pusher;
    }

    /** Signs private channels as an app's auth endpoint would. */
    static ChannelAuthorizer authorizer(Pusher sdk) {
        return (channel, socketId) -> sdk.authenticate(socketId, channel);
    }
}
