package dev.herald.testing;

import static org.awaitility.Awaitility.await;

import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.User;
import com.pusher.rest.Pusher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Records what one channel of a pusher-java-client connection reports to the application: events,
 * member lists and member changes, authorization failures. The library calls listeners under one
 * lock shared by all its instances, so this only records; tests wait with Awaitility.
 */
public class ChannelRecorder implements PresenceChannelEventListener {

    private static final AtomicInteger FENCES = new AtomicInteger();

    public final String channel;
    public final List<PusherEvent> events = new CopyOnWriteArrayList<>();
    public final List<Set<User>> usersInformation = new CopyOnWriteArrayList<>();
    public final List<User> subscribed = new CopyOnWriteArrayList<>();
    public final List<User> unsubscribed = new CopyOnWriteArrayList<>();
    public final List<String> authenticationFailures = new CopyOnWriteArrayList<>();
    public volatile boolean succeeded;
    private final Duration wait;

    public ChannelRecorder(String channel, Duration wait) {
        this.channel = channel;
        this.wait = wait;
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
        authenticationFailures.add(message + ": " + e);
    }

    @Override
    public void onUsersInformationReceived(String channelName, Set<User> users) {
        usersInformation.add(users);
    }

    @Override
    public void userSubscribed(String channelName, User user) {
        subscribed.add(user);
    }

    @Override
    public void userUnsubscribed(String channelName, User user) {
        unsubscribed.add(user);
    }

    public void awaitSubscribed() {
        await("subscription to " + channel + " succeeds").atMost(wait).until(() -> succeeded);
    }

    /** The events of that name received so far. */
    public List<PusherEvent> events(String name) {
        return events.stream()
                .filter(e -> name.equals(e.getEventName()))
                .collect(Collectors.toList());
    }

    /** The data of the events of that name received so far. */
    public List<String> data(String name) {
        return events(name).stream().map(PusherEvent::getData).collect(Collectors.toList());
    }

    /** Waits for the first event of that name. */
    public PusherEvent awaitEvent(String name) {
        await(name + " on " + channel).atMost(wait).until(() -> !events(name).isEmpty());
        return events(name).get(0);
    }

    /** Waits for the first event of that name whose data is exactly {@code data}. */
    public PusherEvent awaitEvent(String name, String data) {
        await(name + " " + data + " on " + channel)
                .atMost(wait)
                .until(() -> events(name).stream().anyMatch(e -> data.equals(e.getData())));
        return events(name).stream()
                .filter(e -> data.equals(e.getData()))
                .findFirst()
                .orElseThrow();
    }

    /** The ids of the member list received on subscription, sorted. */
    public List<String> initialMembers() {
        return usersInformation.get(0).stream()
                .map(User::getId)
                .sorted()
                .collect(Collectors.toList());
    }

    /** Ids of the members reported added ({@code member_added}), in order. */
    public List<String> subscribedIds() {
        return subscribed.stream().map(User::getId).collect(Collectors.toList());
    }

    /** Ids of the members reported removed ({@code member_removed}), in order. */
    public List<String> unsubscribedIds() {
        return unsubscribed.stream()
                .map(u -> u == null ? null : u.getId())
                .collect(Collectors.toList());
    }

    public void awaitAdded(String userId) {
        await("member_added " + userId + " on " + channel)
                .atMost(wait)
                .until(() -> subscribedIds().contains(userId));
    }

    public void awaitRemoved(String userId, Duration within) {
        await("member_removed " + userId + " on " + channel)
                .atMost(within)
                .until(() -> unsubscribedIds().contains(userId));
    }

    /**
     * Publishes a marker event on this channel through {@code sdk} and waits until it arrives.
     * Events on a channel published through one node arrive in order, so whatever that node sent
     * this connection before the marker has been received by then: a test can assert that something
     * did not arrive.
     */
    public void fence(Pusher sdk) {
        int n = FENCES.incrementAndGet();
        Results.ok(sdk.trigger(channel, "fence", Map.of("fence", n)));
        awaitEvent("fence", "{\"fence\":" + n + "}");
    }

    /** {@link #fence} through every one of {@code sdks}: covers what each of those nodes sent. */
    public void fence(List<com.pusher.rest.Pusher> sdks) {
        sdks.forEach(this::fence);
    }
}
