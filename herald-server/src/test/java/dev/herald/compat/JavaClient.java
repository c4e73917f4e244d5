package dev.herald.compat;

import static org.awaitility.Awaitility.await;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.UserAuthenticator;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import dev.herald.testing.ChannelRecorder;
import dev.herald.testing.HeraldProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One pusher-java-client connection to a Herald process, recording everything it reports: state
 * changes, connection errors, and per channel the events, members and failures.
 *
 * <p>The library runs every callback under one lock shared by all its instances, so listeners here
 * only record; tests wait with Awaitility.
 */
final class JavaClient implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    final Pusher pusher;
    final List<ConnectionStateChange> states = new CopyOnWriteArrayList<>();
    final List<ClientError> errors = new CopyOnWriteArrayList<>();

    record ClientError(String message, String code) {}

    /** Events the server sent to the signed-in user ({@code pusher.user().bindGlobal}). */
    final List<PusherEvent> userEvents = new CopyOnWriteArrayList<>();

    private JavaClient(
            HeraldProcess herald,
            String key,
            ChannelAuthorizer authorizer,
            UserAuthenticator userAuthenticator,
            Consumer<PusherOptions> tweak) {
        PusherOptions options =
                new PusherOptions()
                        .setHost(HeraldProcess.HOST)
                        .setWsPort(herald.port())
                        .setUseTLS(false);
        tweak.accept(options);
        if (authorizer != null) {
            options.setChannelAuthorizer(authorizer);
        }
        if (userAuthenticator != null) {
            options.setUserAuthenticator(userAuthenticator);
        }
        pusher = new Pusher(key, options);
        if (userAuthenticator != null) {
            pusher.user().bindGlobal(userEvents::add);
        }
    }

    /** A client that is not connected yet. */
    static JavaClient create(HeraldProcess herald, String key, ChannelAuthorizer authorizer) {
        return new JavaClient(herald, key, authorizer, null, options -> {});
    }

    /** A client that is not connected yet and can sign in through {@code userAuthenticator}. */
    static JavaClient create(
            HeraldProcess herald,
            String key,
            ChannelAuthorizer authorizer,
            UserAuthenticator userAuthenticator) {
        return new JavaClient(herald, key, authorizer, userAuthenticator, options -> {});
    }

    /**
     * A client that is not connected yet, with its {@link PusherOptions} adjusted by {@code tweak}.
     */
    static JavaClient withOptions(HeraldProcess herald, String key, Consumer<PusherOptions> tweak) {
        return new JavaClient(herald, key, null, null, tweak);
    }

    /**
     * Calls {@code pusher.signin()} and waits until the library has both taken the user id from
     * {@code pusher:signin_success} and been told {@code #server-to-user-<id>} is subscribed: from
     * then on the server routes that user's events to this socket.
     */
    void signIn(String userId) {
        pusher.signin();
        await("signed in as " + userId)
                .atMost(WAIT)
                .until(() -> userId.equals(pusher.user().userId()));
        String channel = "#server-to-user-" + userId;
        await(channel + " subscribed")
                .atMost(WAIT)
                .until(
                        () -> {
                            Channel userChannel = pusher.getChannel(channel);
                            return userChannel != null && userChannel.isSubscribed();
                        });
    }

    /** The user events of that name received so far. */
    List<PusherEvent> userEvents(String name) {
        return userEvents.stream()
                .filter(e -> name.equals(e.getEventName()))
                .collect(Collectors.toList());
    }

    /**
     * A connected client of user {@code userId}, whose authorizer signs with the server's secret.
     */
    static JavaClient connected(HeraldProcess herald, String userId) {
        return connected(
                herald, Sdk.authorizer(Sdk.of(herald), userId, Map.of("name", "user " + userId)));
    }

    static JavaClient connected(HeraldProcess herald, ChannelAuthorizer authorizer) {
        JavaClient client = create(herald, herald.appKey(), authorizer);
        client.connect();
        client.awaitState(ConnectionState.CONNECTED);
        return client;
    }

    void connect() {
        pusher.connect(
                new ConnectionEventListener() {
                    @Override
                    public void onConnectionStateChange(ConnectionStateChange change) {
                        states.add(change);
                    }

                    @Override
                    public void onError(String message, String code, Exception e) {
                        errors.add(new ClientError(message, code));
                    }
                },
                ConnectionState.ALL);
    }

    void awaitState(ConnectionState state) {
        await("java client reaches " + state)
                .atMost(WAIT)
                .until(() -> pusher.getConnection().getState() == state);
    }

    String socketId() {
        return pusher.getConnection().getSocketId();
    }

    List<ConnectionState> stateHistory() {
        return states.stream()
                .map(ConnectionStateChange::getCurrentState)
                .collect(Collectors.toList());
    }

    List<String> errorCodes() {
        return errors.stream().map(ClientError::code).collect(Collectors.toList());
    }

    Recorder subscribe(String channel) {
        Recorder recorder = new Recorder(channel);
        Channel subscribed = pusher.subscribe(channel, recorder);
        subscribed.bindGlobal(recorder);
        recorder.awaitSubscribed();
        return recorder;
    }

    Recorder subscribePrivate(String channel) {
        Recorder recorder = subscribePrivateAsync(channel);
        recorder.awaitSubscribed();
        return recorder;
    }

    /** Subscribes without waiting: for subscriptions that the server may refuse. */
    Recorder subscribePrivateAsync(String channel) {
        Recorder recorder = new Recorder(channel);
        PrivateChannel subscribed = pusher.subscribePrivate(channel, recorder);
        subscribed.bindGlobal(recorder);
        return recorder;
    }

    Recorder subscribePresence(String channel) {
        Recorder recorder = subscribePresenceAsync(channel);
        recorder.awaitSubscribed();
        await("member list of " + channel)
                .atMost(WAIT)
                .until(() -> !recorder.usersInformation.isEmpty());
        return recorder;
    }

    Recorder subscribePresenceAsync(String channel) {
        Recorder recorder = new Recorder(channel);
        PresenceChannel subscribed = pusher.subscribePresence(channel, recorder);
        subscribed.bindGlobal(recorder);
        return recorder;
    }

    PrivateChannel privateChannel(String channel) {
        return pusher.getPrivateChannel(channel);
    }

    PresenceChannel presenceChannel(String channel) {
        return pusher.getPresenceChannel(channel);
    }

    @Override
    public void close() {
        ConnectionState state = pusher.getConnection().getState();
        if (state != ConnectionState.DISCONNECTED) {
            pusher.disconnect();
            await("java client disconnects")
                    .atMost(WAIT)
                    .until(() -> pusher.getConnection().getState() == ConnectionState.DISCONNECTED);
        }
    }

    /** Records what one channel reports to the application. */
    static final class Recorder extends ChannelRecorder {
        Recorder(String channel) {
            super(channel, WAIT);
        }
    }
}
