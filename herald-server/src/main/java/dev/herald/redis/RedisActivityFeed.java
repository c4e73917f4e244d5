package dev.herald.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityFeed;
import dev.herald.apps.AppIds;
import dev.herald.internal.Fatal;
import dev.herald.internal.GuardedExecutor;
import dev.herald.protocol.Json;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The debug stream across the cluster over Redis pub/sub: one Redis channel per app ({@code
 * herald:act:APP}), each event a small JSON message.
 *
 * <p><b>Interest.</b> A node advertises the apps its viewers watch in {@code herald:watching},
 * renewing them every refresh (at least once a second); an interest not renewed for {@code lapse}
 * lapses on its own, so a crashed node stops attracting events within a few seconds, and {@link
 * #close} removes this node's at once. The same script answers every node's live interest, so
 * {@link #watching} is a volatile read: this node's viewers count at once, another node's from the
 * next refresh. A node subscribes to an app's Redis channel while it has viewers of the app, and
 * advertises the interest only once Redis has confirmed that subscription: whoever sees the
 * interest publishes to a channel the watching node hears.
 *
 * <p><b>Delivery.</b> An event goes to this node's viewers directly, on the recording thread, and
 * is published to Redis only when another node watches the app; a node ignores its own events
 * coming back, so every viewer gets each event once. Publishing never waits: at most {@link
 * #MAX_PENDING} publications are in flight, and beyond that events are dropped and counted ({@link
 * #dropped}), as are events whose JSON exceeds {@link #MAX_MESSAGE_BYTES}. A received message over
 * that size, unreadable, or naming another app than its channel is ignored.
 */
public final class RedisActivityFeed implements ActivityFeed {

    private static final Logger log = LoggerFactory.getLogger(RedisActivityFeed.class);

    /**
     * Publications sent and not yet answered by Redis: a few seconds of a busy stream, while a
     * stalled Redis costs at most this many messages of memory.
     */
    static final int MAX_PENDING = 1_000;

    /**
     * The largest message published or read: an event's data is cut to 2,048 characters, so this
     * leaves room for its escaping, names and details, and a message past it is none of ours.
     */
    static final int MAX_MESSAGE_BYTES = 64 * 1024;

    /** How long a node's interest outlives it by default when it stops without closing. */
    public static final Duration DEFAULT_LAPSE = Duration.ofSeconds(3);

    static final Duration MIN_LAPSE = Duration.ofMillis(300);
    static final Duration MAX_LAPSE = Duration.ofMinutes(1);

    /** The envelope: the publishing node, so that it can skip its own, and the event. */
    record Message(String from, ActivityEvent event) {}

    private static final ObjectWriter WRITER = Json.MAPPER.writerFor(Message.class);

    /** Lenient about fields a newer node may add. */
    private static final ObjectReader READER =
            Json.MAPPER
                    .readerFor(Message.class)
                    .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final RedisConnections redis;
    private final RedisKeys keys;
    private final String node;
    private final long lapseMillis;
    private final long refreshMillis;
    private final String[] watchingKey;
    private final GuardedExecutor refresher = GuardedExecutor.singleThread("herald-activity");
    private final Receiver receiver = new Receiver();

    /** This node's viewers, by app. */
    private final Map<String, List<Consumer<ActivityEvent>>> viewers = new ConcurrentHashMap<>();

    /** The apps this node's viewers watch; replaced whole on change, read on the hot path. */
    private volatile Set<String> here = Set.of();

    /** The apps other nodes watch, as of the last refresh; replaced whole. */
    private volatile Set<String> elsewhere = Set.of();

    private volatile long lastHeard = System.currentTimeMillis();

    /**
     * The apps whose Redis channel this node subscribed to, each with a token of that subscription
     * (a later one for the same app is another token); cluster thread only.
     */
    private final Map<String, Object> subscribed = new HashMap<>();

    /** The apps whose subscription Redis confirmed: what this node advertises; cluster thread. */
    private final Set<String> confirmed = new LinkedHashSet<>();

    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;

    /** A feed whose node's interest lapses {@link #DEFAULT_LAPSE} after it stops renewing it. */
    public RedisActivityFeed(RedisConnections redis, String node) {
        this(redis, node, DEFAULT_LAPSE);
    }

    /**
     * @param lapse how long this node's interest outlives it when it stops without {@link #close}
     *     (a crash), from 300 ms to a minute; renewed every third of it, at least once a second
     */
    public RedisActivityFeed(RedisConnections redis, String node, Duration lapse) {
        Relay.nodeId(node); // refuses an empty or oversized id
        if (lapse.compareTo(MIN_LAPSE) < 0 || lapse.compareTo(MAX_LAPSE) > 0) {
            throw new IllegalArgumentException(
                    "activity interest lapse must be from "
                            + MIN_LAPSE.toMillis()
                            + " ms to "
                            + MAX_LAPSE.toSeconds()
                            + " s: "
                            + lapse.toMillis()
                            + " ms");
        }
        this.redis = redis;
        this.keys = redis.keys();
        this.node = node;
        this.lapseMillis = lapse.toMillis();
        this.refreshMillis = Math.min(1_000, lapseMillis / 3);
        this.watchingKey = new String[] {keys.watching()};
    }

    @Override
    public RedisActivityFeed start() {
        if (!started.compareAndSet(false, true)) {
            return this;
        }
        redis.subscriber().addListener(receiver);
        refresher.scheduleWithFixedDelay(
                this::refreshSoon, 0, refreshMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public boolean watching(String appId) {
        Set<String> mine = here;
        if (!mine.isEmpty() && mine.contains(appId)) {
            return true;
        }
        Set<String> others = elsewhere;
        return !others.isEmpty() && others.contains(appId);
    }

    @Override
    public void record(ActivityEvent event) {
        List<Consumer<ActivityEvent>> those = viewers.get(event.app());
        if (those != null) {
            for (Consumer<ActivityEvent> viewer : those) {
                viewer.accept(event);
            }
        }
        Set<String> others = elsewhere;
        if (!others.isEmpty() && others.contains(event.app())) {
            publish(event);
        }
    }

    private void publish(ActivityEvent event) {
        byte[] message;
        try {
            message = WRITER.writeValueAsBytes(new Message(node, event));
        } catch (JsonProcessingException e) {
            drop("its details are not JSON", e);
            return;
        }
        if (message.length > MAX_MESSAGE_BYTES) {
            drop("it is over " + MAX_MESSAGE_BYTES + " bytes", null);
            return;
        }
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            drop(MAX_PENDING + " publications are waiting for Redis", null);
            return;
        }
        byte[] channel = keys.activityChannel(event.app()).getBytes(StandardCharsets.UTF_8);
        try {
            redis.publishing()
                    .publish(channel, message)
                    .whenComplete(
                            (receivers, error) -> {
                                pending.decrementAndGet();
                                if (error != null) {
                                    Fatal.surface(error);
                                    drop("Redis refused it", error);
                                }
                            });
        } catch (RuntimeException e) {
            pending.decrementAndGet();
            drop("Redis refused it", e);
        }
    }

    private void drop(String why, Throwable error) {
        dropped.incrementAndGet();
        log.debug(
                "debug stream event not sent to other nodes: {}{}",
                why,
                error == null ? "" : " (" + error + ")");
    }

    /**
     * Events this node did not send to other nodes' viewers: too many in flight, too large, or
     * refused by Redis.
     */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public Viewing watch(String appId, Consumer<ActivityEvent> viewer) {
        if (!AppIds.isValid(appId)) {
            throw new IllegalArgumentException(AppIds.problem(appId));
        }
        Objects.requireNonNull(viewer, "viewer");
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the activity feed is closed");
            }
            viewers.computeIfAbsent(appId, k -> new CopyOnWriteArrayList<>()).add(viewer);
            here = Set.copyOf(viewers.keySet());
        }
        refreshSoon();
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) {
                unwatch(appId, viewer);
            }
        };
    }

    private void unwatch(String appId, Consumer<ActivityEvent> viewer) {
        synchronized (this) {
            List<Consumer<ActivityEvent>> those = viewers.get(appId);
            if (those == null || !those.remove(viewer) || !those.isEmpty()) {
                return;
            }
            viewers.remove(appId);
            here = Set.copyOf(viewers.keySet());
        }
        refreshSoon();
    }

    // -- refresh: subscriptions follow the viewers; interest advertised and read back

    private void refreshSoon() {
        refreshLater(this::refresh);
    }

    /** On the cluster thread: subscribe and unsubscribe to match the viewers, then advertise. */
    private void refresh() {
        if (closed) {
            return;
        }
        Set<String> wanted = here;
        for (String appId : wanted) {
            if (!subscribed.containsKey(appId)) {
                subscribe(appId);
            }
        }
        for (String appId : new ArrayList<>(subscribed.keySet())) {
            if (!wanted.contains(appId)) {
                subscribed.remove(appId);
                confirmed.remove(appId);
                redis.subscriber().async().unsubscribe(channel(appId));
            }
        }
        advertise(confirmed);
    }

    private void subscribe(String appId) {
        Object token = new Object();
        subscribed.put(appId, token);
        RedisFuture<Void> subscription;
        try {
            subscription = redis.subscriber().async().subscribe(channel(appId));
        } catch (RuntimeException e) {
            subscribed.remove(appId); // the next refresh tries again
            throw e;
        }
        subscription.whenComplete(
                (v, error) ->
                        refreshLater(
                                () -> {
                                    if (subscribed.get(appId) != token) {
                                        return; // unwatched since, or subscribed again
                                    }
                                    if (error != null) {
                                        Fatal.surface(error);
                                        subscribed.remove(appId); // the next refresh
                                        return; // tries again
                                    }
                                    confirmed.add(appId);
                                    advertise(confirmed);
                                }));
    }

    /** Runs {@code task} on the cluster thread, where a failure to reach Redis is only logged. */
    private void refreshLater(Runnable task) {
        try {
            redis.thread()
                    .execute(
                            () -> {
                                try {
                                    task.run();
                                } catch (RuntimeException e) {
                                    log.debug(
                                            "debug stream refresh failed (next one retries): {}",
                                            e.toString());
                                }
                            });
        } catch (RejectedExecutionException e) {
            // the connections are closed: nothing to refresh
        }
    }

    private byte[] channel(String appId) {
        return keys.activityChannel(appId).getBytes(StandardCharsets.UTF_8);
    }

    /** Renews {@code apps} as this node's interest, drops the rest of it, and learns everyone's. */
    private CompletableFuture<Void> advertise(Set<String> apps) {
        List<String> args = new ArrayList<>(apps.size() + 2);
        args.add(Long.toString(lapseMillis));
        args.add(RedisKeys.watcherSuffix(node));
        for (String appId : apps) {
            args.add(RedisKeys.watcher(appId, node));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            redis.commands()
                    .<List<Object>>eval(
                            Scripts.WATCHING,
                            ScriptOutputType.MULTI,
                            watchingKey,
                            args.toArray(new String[0]))
                    .whenComplete(
                            (members, error) -> {
                                learn(members, error);
                                done.complete(null);
                            });
        } catch (RuntimeException e) {
            learn(null, e);
            done.complete(null);
        }
        return done;
    }

    /** On Lettuce's thread, in the order the refreshes were sent. */
    private void learn(List<Object> members, Throwable error) {
        long now = System.currentTimeMillis();
        if (error != null) {
            Fatal.surface(error);
            log.debug("could not refresh who watches the debug stream: {}", error.toString());
            if (now - lastHeard > lapseMillis) {
                elsewhere = Set.of(); // by now what was heard has lapsed anyway
            }
            return;
        }
        Set<String> others = new HashSet<>();
        for (Object member : members) {
            RedisKeys.Watcher watcher =
                    member instanceof String text ? RedisKeys.readWatcher(text) : null;
            if (watcher != null && !watcher.node().equals(node)) {
                others.add(watcher.appId());
            }
        }
        lastHeard = now;
        if (!closed) {
            elsewhere = Set.copyOf(others);
        }
    }

    /**
     * Stops delivering and removes this node's interest from Redis (waiting up to 2 s for Redis to
     * confirm); the connections stay open, they belong to {@link RedisConnections}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            viewers.clear();
            here = Set.of();
        }
        elsewhere = Set.of();
        refresher.shutdownNow();
        redis.subscriber().removeListener(receiver);
        CompletableFuture<Void> withdrawn = new CompletableFuture<>();
        try {
            redis.thread()
                    .execute(
                            () -> {
                                try {
                                    for (String appId : subscribed.keySet()) {
                                        redis.subscriber().async().unsubscribe(channel(appId));
                                    }
                                } catch (RuntimeException e) {
                                    log.debug("could not unsubscribe: {}", e.toString());
                                }
                                subscribed.clear();
                                confirmed.clear();
                                advertise(Set.of())
                                        .whenComplete((v, e) -> withdrawn.complete(null));
                            });
            withdrawn.get(2, TimeUnit.SECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            log.debug("could not withdraw this node's debug stream interest: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Messages from Redis, on Lettuce's I/O thread, among those of the other engines. */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            String appId = keys.readActivityChannel(new String(channel, StandardCharsets.UTF_8));
            if (appId == null) {
                return; // another engine's channel
            }
            List<Consumer<ActivityEvent>> those = viewers.get(appId);
            if (those == null) {
                return; // the last viewer left since
            }
            ActivityEvent event = read(appId, message);
            if (event == null) {
                return;
            }
            for (Consumer<ActivityEvent> viewer : those) {
                try {
                    viewer.accept(event);
                } catch (RuntimeException e) {
                    // the other engines' messages come through this thread too
                    log.warn("a debug stream viewer failed: {}", e.toString());
                }
            }
        }

        /** Another node's event for {@code appId}; {@code null} for anything else. */
        private ActivityEvent read(String appId, byte[] message) {
            if (message.length > MAX_MESSAGE_BYTES) {
                log.debug("ignoring a debug stream message of {} bytes", message.length);
                return null;
            }
            Message read;
            try {
                read = READER.readValue(message);
            } catch (IOException | RuntimeException e) {
                log.debug("ignoring an unreadable debug stream message: {}", e.toString());
                return null;
            }
            if (read == null || read.from() == null || read.from().equals(node)) {
                return null; // not readable, or this node's own, delivered here already
            }
            ActivityEvent event = read.event();
            if (event == null
                    || event.kind() == null
                    || event.node() == null
                    || !appId.equals(event.app())) {
                return null;
            }
            return event;
        }
    }
}
