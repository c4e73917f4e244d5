package dev.herald.clients;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.pusher.client.Pusher;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.SubscriptionEventListener;
import com.pusher.client.connection.Connection;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import com.pusher.client.connection.impl.InternalConnection;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Channel recovery for an unchanged pusher-java-client (2.4.x) on a Herald server
 * (docs/recovery.md): after a reconnect the server replays the events a tracked channel missed, in
 * order and exactly once, before the live ones; the application's {@code channel.bind} listeners
 * get them as ordinary events and never see Herald's own frames.
 *
 * <pre>{@code
 * Pusher pusher = new Pusher(key, options);
 * HeraldRecovery recovery = HeraldRecovery.enable(pusher, channel -> reload(channel));
 * Channel builds = pusher.subscribe("private-build-7");
 * builds.bind("log", event -> show(event.getData()));
 * recovery.track(builds);
 * pusher.connect();
 * }</pre>
 *
 * <p>pusher-java-client builds its {@code pusher:subscribe} messages itself, so the request cannot
 * ride in them as the pusher-js add-on's does. On every {@code CONNECTED} the helper sends one
 * {@code pusher:herald_recovery} message instead, with the last position it has of each tracked
 * channel and the connection's earlier socket ids. The client queues that send on its event thread
 * before the subscriptions it renews on reconnect (each renewal is queued twice: once to build the
 * message, once to send it), so the server has it before any subscription of the connection.
 *
 * <p>A position is committed only once the event it announces has arrived: a connection cut between
 * {@code pusher_internal:herald_position} and its event replays that event rather than skipping it.
 *
 * <p>Threads: the client calls the helper on its one event thread, in the order of the frames, and
 * {@code onGap} there too (so it should return quickly, handing any reload to another thread).
 * {@link #track}, {@link #untrack} and {@link #position} may be called from any thread.
 *
 * <p>Not for {@code private-encrypted-} channels: pusher-java-client decrypts every frame on them,
 * Herald's included, so the server leaves them out of this kind of request ({@link #track} refuses
 * them).
 */
public final class HeraldRecovery {

    /** The most channels one connection may ask to recover (the server refuses more). */
    public static final int MAX_CHANNELS = 100;

    /** The most earlier socket ids sent (the server refuses more); the newest are kept. */
    public static final int MAX_SOCKET_IDS = 10;

    private static final String ENCRYPTED_PREFIX = "private-encrypted-";

    static final String RECOVERY_EVENT = "pusher:herald_recovery";
    static final String POSITION_EVENT = "pusher_internal:herald_position";
    static final String RECOVERED_EVENT = "pusher_internal:herald_recovered";

    private final InternalConnection connection;
    private final Consumer<String> onGap;

    // guarded by this: written on the client's event thread and by track/untrack
    private final Map<String, Tracked> tracked = new LinkedHashMap<>();
    private final Deque<String> earlierSocketIds = new ArrayDeque<>();

    private HeraldRecovery(InternalConnection connection, Consumer<String> onGap) {
        this.connection = connection;
        this.onGap = onGap;
    }

    /**
     * Turns recovery on for {@code pusher}, which must not be connected yet: from its first
     * connection on, the server sends positions, and each reconnection asks for what the tracked
     * channels missed.
     *
     * @param onGap called with a channel's name when the server could not replay all it missed (the
     *     outage outlasted the channel's history, or the history was lost): the application must
     *     refetch that channel's state. Called on the client's event thread.
     * @throws IllegalStateException if {@code pusher} is connected or connecting
     * @throws IllegalArgumentException if {@code pusher}'s connection cannot send messages (not
     *     pusher-java-client's own)
     */
    public static HeraldRecovery enable(Pusher pusher, Consumer<String> onGap) {
        Objects.requireNonNull(pusher, "pusher");
        Objects.requireNonNull(onGap, "onGap");
        Connection connection = pusher.getConnection();
        if (!(connection instanceof InternalConnection internal)) {
            throw new IllegalArgumentException(
                    "HeraldRecovery needs pusher-java-client's own connection (an"
                            + " InternalConnection), not "
                            + connection.getClass().getName());
        }
        if (connection.getState() != ConnectionState.DISCONNECTED) {
            throw new IllegalStateException(
                    "HeraldRecovery.enable must be called before pusher.connect(); the connection"
                            + " is "
                            + connection.getState());
        }
        HeraldRecovery recovery = new HeraldRecovery(internal, onGap);
        connection.bind(ConnectionState.CONNECTED, recovery.new OnConnected());
        return recovery;
    }

    /**
     * Recovers {@code channel} (a channel of the enabled client, typically just subscribed) on
     * every reconnection from then on. A channel whose name the server keeps no history for is
     * dropped again once the server says so. Tracking the same channel again changes nothing; a new
     * {@link Channel} object of an already tracked name (subscribed again after an unsubscribe)
     * replaces the old one and starts without a position.
     *
     * @throws IllegalStateException if {@link #MAX_CHANNELS} other channels are tracked
     * @throws IllegalArgumentException for a {@code private-encrypted-} channel (class comment)
     */
    public synchronized void track(Channel channel) {
        Objects.requireNonNull(channel, "channel");
        String name = channel.getName();
        if (name.startsWith(ENCRYPTED_PREFIX)) {
            throw new IllegalArgumentException(
                    "cannot track "
                            + name
                            + ": pusher-java-client decrypts every frame of a private-encrypted-"
                            + " channel, so the server sends it no positions");
        }
        Tracked old = tracked.get(name);
        if (old != null && old.channel == channel) {
            return;
        }
        if (old == null && tracked.size() >= MAX_CHANNELS) {
            throw new IllegalStateException(
                    "cannot track "
                            + name
                            + ": "
                            + MAX_CHANNELS
                            + " channels are tracked already, the most one connection may recover;"
                            + " untrack one first");
        }
        if (old != null) {
            old.channel.unbindGlobal(old);
        }
        Tracked added = new Tracked(channel);
        tracked.put(name, added);
        channel.bindGlobal(added);
    }

    /**
     * Stops recovering the channel of that name (call it when unsubscribing); no-op if untracked.
     */
    public synchronized void untrack(String channelName) {
        Tracked removed = tracked.remove(channelName);
        if (removed != null) {
            removed.channel.unbindGlobal(removed);
        }
    }

    /**
     * The last position ({@code EPOCH:SERIAL}) of a tracked channel whose event the client has got,
     * or {@code null} when it has none yet or the channel is not tracked.
     */
    public synchronized String position(String channelName) {
        Tracked channel = tracked.get(channelName);
        return channel == null ? null : channel.committed;
    }

    /** Whether the channel of that name is tracked (not dropped for having no history). */
    public synchronized boolean isTracked(String channelName) {
        return tracked.containsKey(channelName);
    }

    private void connected() {
        String message;
        synchronized (this) {
            JsonObject channels = new JsonObject();
            for (Tracked channel : tracked.values()) {
                // a position whose event never came belongs to the connection that was cut
                channel.pending = null;
                if (channel.committed != null) {
                    channels.addProperty(channel.name, channel.committed);
                }
            }
            JsonArray socketIds = new JsonArray();
            earlierSocketIds.forEach(socketIds::add);
            JsonObject data = new JsonObject();
            data.add("channels", channels);
            data.add("socket_ids", socketIds);
            JsonObject envelope = new JsonObject();
            envelope.addProperty("event", RECOVERY_EVENT);
            envelope.add("data", data);
            message = envelope.toString();

            String current = connection.getSocketId();
            if (current != null) {
                earlierSocketIds.addLast(current);
                while (earlierSocketIds.size() > MAX_SOCKET_IDS) {
                    earlierSocketIds.removeFirst();
                }
            }
        }
        // queued on the event thread, ahead of the subscriptions the client renews (class comment)
        connection.sendMessage(message);
    }

    private void onEvent(Tracked channel, PusherEvent event) {
        String name = event.getEventName();
        if (POSITION_EVENT.equals(name)) {
            JsonObject data = object(event.getData());
            String position = data == null ? null : string(data, "position");
            synchronized (this) {
                channel.pending = position;
            }
        } else if (RECOVERED_EVENT.equals(name)) {
            recovered(channel, object(event.getData()));
        } else if (!name.startsWith("pusher:") && !name.startsWith("pusher_internal:")) {
            synchronized (this) {
                if (channel.pending != null) {
                    channel.committed = channel.pending;
                    channel.pending = null;
                }
            }
        }
    }

    private void recovered(Tracked channel, JsonObject data) {
        if (data == null) {
            return;
        }
        JsonElement history = data.get("history");
        if (isBoolean(history) && !history.getAsBoolean()) {
            synchronized (this) {
                if (tracked.get(channel.name) == channel) {
                    untrack(channel.name);
                }
            }
            return;
        }
        synchronized (this) {
            if (tracked.get(channel.name) != channel) {
                return; // untracked meanwhile
            }
            String position = string(data, "position");
            if (position != null) {
                channel.committed = position;
            }
            channel.pending = null;
        }
        JsonElement gap = data.get("gap");
        if (isBoolean(gap) && gap.getAsBoolean()) {
            onGap.accept(channel.name);
        }
    }

    /** The JSON object in an event's data, or {@code null} if the data is not one. */
    private static JsonObject object(String data) {
        if (data == null) {
            return null;
        }
        try {
            JsonElement parsed = JsonParser.parseString(data);
            return parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }

    private static boolean isBoolean(JsonElement value) {
        return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean();
    }

    private static String string(JsonObject object, String key) {
        JsonElement value = object.get(key);
        return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()
                ? value.getAsString()
                : null;
    }

    private final class OnConnected implements ConnectionEventListener {
        @Override
        public void onConnectionStateChange(ConnectionStateChange change) {
            if (change.getCurrentState() == ConnectionState.CONNECTED) {
                connected();
            }
        }

        @Override
        public void onError(String message, String code, Exception e) {
            // the application's own listener reports errors
        }
    }

    /** One tracked channel: its listener, and its positions (guarded by the helper). */
    private final class Tracked implements SubscriptionEventListener {
        final Channel channel;
        final String name;

        /** Announced by the last herald_position; its event has not arrived yet. */
        String pending;

        /** The position of the last event the client has got. */
        String committed;

        Tracked(Channel channel) {
            this.channel = channel;
            this.name = channel.getName();
        }

        @Override
        public void onEvent(PusherEvent event) {
            HeraldRecovery.this.onEvent(this, event);
        }
    }
}
