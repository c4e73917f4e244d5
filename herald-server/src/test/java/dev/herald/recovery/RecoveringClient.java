package dev.herald.recovery;

import static org.awaitility.Awaitility.await;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import dev.herald.clients.HeraldRecovery;
import dev.herald.testing.ChannelRecorder;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * One pusher-java-client 2.4.4 connection, with {@link HeraldRecovery} or without (stock), through
 * a port of the test's choosing (a {@link dev.herald.testing.CuttableProxy}). It retries every
 * second for as long as a test needs, where the library's defaults give up after six tries spread
 * over a minute. Listeners only record; tests wait with Awaitility.
 */
final class RecoveringClient implements AutoCloseable {

    /** Generous: the machine running the suite is shared and loaded. */
    static final Duration WAIT = Duration.ofSeconds(30);

    final Pusher pusher;
    final HeraldRecovery recovery;
    final List<String> gaps = new CopyOnWriteArrayList<>();
    final List<ConnectionState> states = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();

    private RecoveringClient(
            int port, TestApp app, ChannelAuthorizer authorizer, boolean withHelper) {
        PusherOptions options =
                new PusherOptions()
                        .setHost(HeraldProcess.HOST)
                        .setWsPort(port)
                        .setUseTLS(false)
                        .setMaxReconnectGapInSeconds(1)
                        .setMaxReconnectionAttempts(1_000);
        if (authorizer != null) {
            options.setChannelAuthorizer(authorizer);
        }
        pusher = new Pusher(app.key(), options);
        recovery = withHelper ? HeraldRecovery.enable(pusher, gaps::add) : null;
    }

    /** A client with the helper, not connected yet. */
    static RecoveringClient withHelper(int port, TestApp app, ChannelAuthorizer authorizer) {
        return new RecoveringClient(port, app, authorizer, true);
    }

    /** An unchanged pusher-java-client, not connected yet. */
    static RecoveringClient stock(int port, TestApp app, ChannelAuthorizer authorizer) {
        return new RecoveringClient(port, app, authorizer, false);
    }

    /**
     * Subscribes (privately for a {@code private-} name) with the app's listener bound to the
     * events {@code n} and {@code fence} by {@code channel.bind}, a {@code bindGlobal} recorder
     * besides, and, with the helper, tracks the channel. Does not wait.
     */
    Feed subscribe(String channel) {
        Feed feed = new Feed(channel);
        Channel subscribed =
                channel.startsWith("private-")
                        ? pusher.subscribePrivate(channel, feed, "n", "fence")
                        : pusher.subscribe(channel, feed, "n", "fence");
        subscribed.bindGlobal(feed.global::add);
        if (recovery != null) {
            recovery.track(subscribed);
        }
        return feed;
    }

    void connect() {
        pusher.connect(
                new ConnectionEventListener() {
                    @Override
                    public void onConnectionStateChange(ConnectionStateChange change) {
                        states.add(change.getCurrentState());
                    }

                    @Override
                    public void onError(String message, String code, Exception e) {
                        errors.add(code + " " + message);
                    }
                },
                ConnectionState.ALL);
    }

    ConnectionState state() {
        return pusher.getConnection().getState();
    }

    void awaitConnected() {
        await("client connected").atMost(WAIT).until(() -> state() == ConnectionState.CONNECTED);
    }

    /** Waits until the client has noticed that its connection is gone. */
    void awaitDisconnected() {
        await("client notices the cut")
                .atMost(WAIT)
                .until(() -> state() != ConnectionState.CONNECTED);
    }

    /** How many times the client has reached CONNECTED. */
    long connections() {
        return states.stream().filter(s -> s == ConnectionState.CONNECTED).count();
    }

    @Override
    public void close() {
        if (state() != ConnectionState.DISCONNECTED) {
            pusher.disconnect();
            await("client disconnects")
                    .atMost(WAIT)
                    .until(() -> state() == ConnectionState.DISCONNECTED);
        }
    }

    /** What one channel gave the application ({@code channel.bind}) and its global listener. */
    static final class Feed extends ChannelRecorder {
        final List<PusherEvent> global = new CopyOnWriteArrayList<>();

        Feed(String channel) {
            super(channel, WAIT);
        }

        /** The {@code n} of every {@code n} event the app's listener got, in order. */
        List<Integer> numbers() {
            return events("n").stream()
                    .map(e -> Json.parse(e.getData()).path("n").asInt())
                    .collect(Collectors.toList());
        }

        void awaitNumbers(int count) {
            await(count + " events on " + channel)
                    .atMost(WAIT)
                    .until(() -> events("n").size() >= count);
        }

        /** The names of the events the global listener got, in order. */
        List<String> globalNames() {
            return global.stream().map(PusherEvent::getEventName).collect(Collectors.toList());
        }
    }
}
