package dev.herald.cluster;

import static org.awaitility.Awaitility.await;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.UserAuthenticator;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import dev.herald.testing.ChannelRecorder;
import dev.herald.testing.HeraldProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * One pusher-java-client 2.4.4 connection to one node, recording what it reports: state changes,
 * errors, and per channel the events, member lists and member changes. The library runs every
 * callback under one lock shared by all its instances, so listeners only record and tests wait with
 * Awaitility.
 */
final class Client implements AutoCloseable {

    /** Generous: the machine running the suite is shared and loaded. */
    static final Duration WAIT = Duration.ofSeconds(20);

    final String userId;
    final Pusher pusher;
    final List<ConnectionStateChange> states = new CopyOnWriteArrayList<>();
    final List<String> errorCodes = new CopyOnWriteArrayList<>();

    /** Events the server sent to the signed-in user. */
    final List<PusherEvent> userEvents = new CopyOnWriteArrayList<>();

    private Client(
            HeraldProcess node,
            String userId,
            ChannelAuthorizer authorizer,
            UserAuthenticator userAuthenticator) {
        this.userId = userId;
        PusherOptions options =
                new PusherOptions()
                        .setHost(HeraldProcess.HOST)
                        .setWsPort(node.port())
                        .setUseTLS(false)
                        .setChannelAuthorizer(authorizer)
                        .setUserAuthenticator(userAuthenticator);
        pusher = new Pusher(node.app().key(), options);
        pusher.user().bindGlobal(userEvents::add);
    }

    /**
     * A connected client on {@code node} for user {@code userId}: its channel authorizer signs with
     * the app's secret through pusher-http-java (presence as that user), and it can sign in as that
     * user.
     */
    static Client connect(HeraldProcess node, String userId) {
        Client client =
                new Client(
                        node,
                        userId,
                        Api.authorizer(Api.of(node), userId),
                        Api.userAuthenticator(node.app(), userId));
        client.pusher.connect(
                new ConnectionEventListener() {
                    @Override
                    public void onConnectionStateChange(ConnectionStateChange change) {
                        client.states.add(change);
                    }

                    @Override
                    public void onError(String message, String code, Exception e) {
                        client.errorCodes.add(String.valueOf(code));
                    }
                },
                ConnectionState.ALL);
        client.awaitState(ConnectionState.CONNECTED);
        return client;
    }

    void awaitState(ConnectionState state) {
        await("client of " + userId + " reaches " + state)
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

    /** {@code pusher.signin()}, then waits until {@code #server-to-user-<id>} is subscribed. */
    void signIn() {
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

    List<PusherEvent> userEvents(String name) {
        return userEvents.stream()
                .filter(e -> name.equals(e.getEventName()))
                .collect(Collectors.toList());
    }

    Recorder subscribe(String channel) {
        Recorder recorder = new Recorder(channel);
        pusher.subscribe(channel, recorder).bindGlobal(recorder);
        recorder.awaitSubscribed();
        return recorder;
    }

    /** Subscribes to a presence channel and waits for the member list. */
    Recorder subscribePresence(String channel) {
        Recorder recorder = new Recorder(channel);
        PresenceChannel subscribed = pusher.subscribePresence(channel, recorder);
        subscribed.bindGlobal(recorder);
        recorder.awaitSubscribed();
        await("member list of " + channel)
                .atMost(WAIT)
                .until(() -> !recorder.usersInformation.isEmpty());
        return recorder;
    }

    void unsubscribe(String channel) {
        pusher.unsubscribe(channel);
    }

    @Override
    public void close() {
        if (pusher.getConnection().getState() != ConnectionState.DISCONNECTED) {
            pusher.disconnect();
            awaitState(ConnectionState.DISCONNECTED);
        }
    }

    /** Records what one channel reports to the application. */
    static class Recorder extends ChannelRecorder {
        Recorder(String channel) {
            super(channel, WAIT);
        }
    }
}
