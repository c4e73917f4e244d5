package dev.herald.cluster;

import static org.awaitility.Awaitility.await;

import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.UserAuthenticator;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One pusher-java-client 2.4.4 connection to one node, recording what it reports: state changes,
 * errors, and per channel the events, member lists and member changes. The library runs every
 * callback under one lock shared by all its instances, so listeners only record and tests wait
 * with Awaitility.
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

    private Client(Node node, String userId, ChannelAuthorizer authorizer, UserAuthenticator userAuthenticator) {
        this.userId = userId;
        PusherOptions options = new PusherOptions()
                .setHost(Node.HOST)
                .setWsPort(node.port())
                .setUseTLS(false)
                .setChannelAuthorizer(authorizer)
                .setUserAuthenticator(userAuthenticator);
        pusher = new Pusher(node.app.key(), options);
        pusher.user().bindGlobal(userEvents::add);
    }

    /**
     * A connected client on {@code node} for user {@code userId}: its channel authorizer signs with
     * the app's secret through pusher-http-java (presence as that user), and it can sign in as that
     * user.
     */
    static Client connect(Node node, String userId) {
        Client client = new Client(node, userId, Api.authorizer(Api.of(node), userId),
                Api.userAuthenticator(node.app, userId));
        client.pusher.connect(new ConnectionEventListener() {
            @Override
            public void onConnectionStateChange(ConnectionStateChange change) {
                client.states.add(change);
            }

            @Override
            public void onError(String message, String code, Exception e) {
                client.errorCodes.add(String.valueOf(code));
            }
        }, ConnectionState.ALL);
        client.awaitState(ConnectionState.CONNECTED);
        return client;
    }

    void awaitState(ConnectionState state) {
        await("client of " + userId + " reaches " + state).atMost(WAIT)
                .until(() -> pusher.getConnection().getState() == state);
    }

    String socketId() {
        return pusher.getConnection().getSocketId();
    }

    List<ConnectionState> stateHistory() {
        return states.stream().map(ConnectionStateChange::getCurrentState).collect(Collectors.toList());
    }

    /** {@code pusher.signin()}, then waits until {@code #server-to-user-<id>} is subscribed. */
    void signIn() {
        pusher.signin();
        await("signed in as " + userId).atMost(WAIT).until(() -> userId.equals(pusher.user().userId()));
        String channel = "#server-to-user-" + userId;
        await(channel + " subscribed").atMost(WAIT).until(() -> {
            Channel userChannel = pusher.getChannel(channel);
            return userChannel != null && userChannel.isSubscribed();
        });
    }

    List<PusherEvent> userEvents(String name) {
        return userEvents.stream().filter(e -> name.equals(e.getEventName())).collect(Collectors.toList());
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
        await("member list of " + channel).atMost(WAIT).until(() -> !recorder.usersInformation.isEmpty());
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

    /** Closes every client, ignoring the ones that cannot be closed (a test already failed). */
    static void closeAll(List<Client> clients) {
        for (Client client : clients) {
            try {
                client.close();
            } catch (RuntimeException | Error e) {
                // keep closing the others
            }
        }
        clients.clear();
    }

    /** Records what one channel reports to the application. */
    static class Recorder implements PresenceChannelEventListener {
        private static final AtomicInteger FENCES = new AtomicInteger();
        final String channel;
        final List<PusherEvent> events = new CopyOnWriteArrayList<>();
        final List<Set<User>> usersInformation = new CopyOnWriteArrayList<>();
        final List<String> added = new CopyOnWriteArrayList<>();
        final List<String> removed = new CopyOnWriteArrayList<>();
        volatile boolean succeeded;

        Recorder(String channel) {
            this.channel = channel;
        }

        @Override
        public void onSubscriptionSucceeded(String channelName) {
            succeeded = true;
        }

        @Override
        public void onEvent(PusherEvent event) {
            events.add(event);
        }

        @Override
        public void onAuthenticationFailure(String message, Exception e) {
            events.add(null); // makes every later assertion on events fail loudly
        }

        @Override
        public void onUsersInformationReceived(String channelName, Set<User> users) {
            usersInformation.add(users);
        }

        @Override
        public void userSubscribed(String channelName, User user) {
            added.add(user.getId());
        }

        @Override
        public void userUnsubscribed(String channelName, User user) {
            removed.add(user == null ? null : user.getId());
        }

        void awaitSubscribed() {
            await("subscription to " + channel + " succeeds").atMost(WAIT).until(() -> succeeded);
        }

        /** The ids of the member list received on subscription. */
        List<String> initialMembers() {
            return usersInformation.get(0).stream().map(User::getId).sorted().collect(Collectors.toList());
        }

        List<PusherEvent> events(String name) {
            return events.stream().filter(e -> e != null && name.equals(e.getEventName())).collect(Collectors.toList());
        }

        List<String> data(String name) {
            return events(name).stream().map(PusherEvent::getData).collect(Collectors.toList());
        }

        PusherEvent awaitEvent(String name, String data) {
            await(name + " " + data + " on " + channel).atMost(WAIT)
                    .until(() -> events(name).stream().anyMatch(e -> data.equals(e.getData())));
            return events(name).stream().filter(e -> data.equals(e.getData())).findFirst().orElseThrow();
        }

        void awaitAdded(String userId) {
            await("member_added " + userId + " on " + channel).atMost(WAIT).until(() -> added.contains(userId));
        }

        void awaitRemoved(String userId, Duration within) {
            await("member_removed " + userId + " on " + channel).atMost(within).until(() -> removed.contains(userId));
        }

        /**
         * Publishes a marker event on this channel through {@code sdk} and waits for it. Events on a
         * channel published through one node arrive in order, so whatever that node's HTTP API and
         * member events sent before the marker has arrived by then.
         */
        void fence(com.pusher.rest.Pusher sdk) {
            int n = FENCES.incrementAndGet();
            Api.ok(sdk.trigger(channel, "fence", Map.of("fence", n)));
            awaitEvent("fence", "{\"fence\":" + n + "}");
        }

        /** {@link #fence} through every one of {@code sdks}: covers what each of those nodes sent. */
        void fence(List<com.pusher.rest.Pusher> sdks) {
            sdks.forEach(this::fence);
        }
    }
}
