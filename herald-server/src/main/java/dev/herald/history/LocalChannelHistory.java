package dev.herald.history;

import dev.herald.apps.HistoryRule;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One node's channel history, in memory: per channel the last {@code size} events of its rule for
 * {@code ttl_seconds}, and across all channels at most {@code maxBytes}. Past that, the channels
 * whose oldest event is oldest lose it first, down to nine tenths of the bound, so the cost of
 * choosing is paid once per tenth of the bound and not at every append. Each channel's epoch is
 * drawn when its history starts, so a restarted node (or a channel dropped whole) gives clients a
 * gap, never a silent hole.
 */
public final class LocalChannelHistory implements ChannelHistory {

    /** What a channel with nothing kept still costs: its epoch and counter. */
    static final int CHANNEL_OVERHEAD_BYTES = 160;

    /** What one kept event costs besides its frame bytes. */
    static final int EVENT_OVERHEAD_BYTES = 64;

    /** How long a channel's epoch outlives its last event, so a quiet channel gives no gap. */
    static final long EPOCH_KEPT_MILLIS = 86_400_000L;

    private static final long SWEEP_EVERY_MILLIS = 10_000;

    private final long maxBytes;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final ReentrantLock upkeep = new ReentrantLock();
    private volatile long lastSweep;

    /**
     * @param maxBytes the bound on every channel's kept events together, overheads included
     * @param clock milliseconds, for what ages out
     */
    public LocalChannelHistory(long maxBytes, LongSupplier clock) {
        if (maxBytes < CHANNEL_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("maxBytes too small: " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.lastSweep = clock.getAsLong();
    }

    /** Records an event and returns its position. */
    public StreamPosition append(
            String appId, String channel, ByteBuf frame, String excludeSocketId, HistoryRule rule) {
        long now = clock.getAsLong();
        byte[] copy = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), copy);
        Entry entry = new Entry(0, now, copy, excludeSocketId);
        StreamPosition position;
        while (true) {
            Stream stream = stream(appId, channel);
            synchronized (stream) {
                if (stream.removed) {
                    continue; // dropped by upkeep between the lookup and the lock
                }
                stream.trim(rule, now);
                position = stream.add(entry, rule);
                break;
            }
        }
        if (bytes.get() > maxBytes || now - lastSweep > SWEEP_EVERY_MILLIS) {
            upkeep(now);
        }
        return position;
    }

    @Override
    public CompletionStage<HistoryPage> read(
            String appId, String channel, StreamPosition since, int limit, HistoryRule rule) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        long now = clock.getAsLong();
        while (true) {
            Stream stream = stream(appId, channel);
            synchronized (stream) {
                if (stream.removed) {
                    continue;
                }
                stream.trim(rule, now);
                return CompletableFuture.completedFuture(stream.read(since, limit));
            }
        }
    }

    private Stream stream(String appId, String channel) {
        return streams.computeIfAbsent(
                appId + '\u0000' + channel,
                k -> {
                    bytes.addAndGet(CHANNEL_OVERHEAD_BYTES);
                    return new Stream(k, epoch(), clock.getAsLong());
                });
    }

    /** Eight letters and digits: a new generation of one channel's history. */
    static String epoch() {
        char[] out = new char[8];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < out.length; i++) {
            out[i] = Character.forDigit(random.nextInt(36), 36);
        }
        return new String(out);
    }

    /** Events kept now, across every channel. */
    public long events() {
        return events.get();
    }

    /** Bytes kept now, overheads included. */
    public long bytes() {
        return bytes.get();
    }

    /**
     * Events dropped to stay within the bound on bytes (not those that aged out or were pushed out
     * by their channel's size).
     */
    public long evicted() {
        return evicted.get();
    }

    /** Channels with a history on this node. */
    public int channels() {
        return streams.size();
    }

    /**
     * Drops what aged out and, past the bound, the oldest events of all: one thread at a time, the
     * others go on.
     */
    private void upkeep(long now) {
        if (!upkeep.tryLock()) {
            return;
        }
        try {
            if (now - lastSweep > SWEEP_EVERY_MILLIS) {
                lastSweep = now;
                sweep(now);
            }
            if (bytes.get() > maxBytes) {
                evict(maxBytes - maxBytes / 10);
            }
        } finally {
            upkeep.unlock();
        }
    }

    private void sweep(long now) {
        for (Stream stream : streams.values()) {
            synchronized (stream) {
                stream.trimAged(now);
                // an epoch no event was ever recorded in (a reader started it) lives only the
                // rule's ttl: subscribing to made-up channel names must not push real events out
                long kept = stream.head == 0 ? stream.ttlMillis : EPOCH_KEPT_MILLIS;
                if (stream.entries.isEmpty() && now - stream.touched > kept) {
                    remove(stream);
                }
            }
        }
    }

    /**
     * Drops the oldest events until {@code target} bytes; if events alone are not enough, the
     * channels that have been quiet longest go whole (their epochs with them).
     */
    private void evict(long target) {
        for (Stream stream : byAge(true)) {
            synchronized (stream) {
                while (!stream.removed && !stream.entries.isEmpty() && bytes.get() > target) {
                    stream.dropOldest();
                    evicted.incrementAndGet();
                }
            }
            if (bytes.get() <= target) {
                return;
            }
        }
        for (Stream stream : byAge(false)) {
            synchronized (stream) {
                if (!stream.removed && stream.entries.isEmpty()) {
                    remove(stream);
                }
            }
            if (bytes.get() <= target) {
                return;
            }
        }
    }

    /**
     * The channels, those with the oldest event first ({@code byEvent}) or the longest quiet first;
     * ages are read once, before sorting, since appends change them meanwhile.
     */
    private List<Stream> byAge(boolean byEvent) {
        record Aged(Stream stream, long at) {}
        List<Aged> aged = new ArrayList<>(streams.size());
        for (Stream stream : streams.values()) {
            synchronized (stream) {
                aged.add(new Aged(stream, byEvent ? stream.oldest() : stream.touched));
            }
        }
        aged.sort((a, b) -> Long.compare(a.at, b.at));
        List<Stream> out = new ArrayList<>(aged.size());
        aged.forEach(a -> out.add(a.stream));
        return out;
    }

    /** Called holding the stream's lock. */
    private void remove(Stream stream) {
        stream.removed = true;
        while (!stream.entries.isEmpty()) {
            stream.dropOldest();
        }
        streams.remove(stream.key, stream);
        bytes.addAndGet(-CHANNEL_OVERHEAD_BYTES);
    }

    @Override
    public void close() {
        streams.clear();
    }

    private record Entry(long serial, long at, byte[] frame, String exclude) {
        long cost() {
            return EVENT_OVERHEAD_BYTES + frame.length + (exclude == null ? 0 : exclude.length());
        }
    }

    /** One channel's history; every method is called holding its lock. */
    private final class Stream {
        final String key;
        final String epoch;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long head;
        long touched;
        boolean removed;

        /** The age of the rule that last trimmed it, for the sweep. */
        long ttlMillis = Long.MAX_VALUE;

        Stream(String key, String epoch, long now) {
            this.key = key;
            this.epoch = epoch;
            this.touched = now;
        }

        StreamPosition add(Entry entry, HistoryRule rule) {
            Entry numbered = new Entry(++head, entry.at, entry.frame, entry.exclude);
            entries.addLast(numbered);
            bytes.addAndGet(numbered.cost());
            events.incrementAndGet();
            touched = entry.at;
            while (entries.size() > rule.size()) {
                dropOldest();
            }
            return new StreamPosition(epoch, head);
        }

        void trim(HistoryRule rule, long now) {
            ttlMillis = rule.ttlSeconds() * 1000L;
            while (entries.size() > rule.size()) {
                dropOldest();
            }
            trimAged(now);
        }

        void trimAged(long now) {
            while (!entries.isEmpty() && now - entries.peekFirst().at >= ttlMillis) {
                dropOldest();
            }
        }

        void dropOldest() {
            Entry gone = entries.pollFirst();
            bytes.addAndGet(-gone.cost());
            events.decrementAndGet();
        }

        long oldest() {
            Entry first = entries.peekFirst();
            return first == null ? touched : first.at;
        }

        HistoryPage read(StreamPosition since, int limit) {
            StreamPosition headPosition = new StreamPosition(epoch, head);
            long first = entries.isEmpty() ? head + 1 : entries.peekFirst().serial;
            long after;
            if (since == null) {
                after = first - 1;
            } else if (!since.epoch().equals(epoch)) {
                return new HistoryPage(headPosition, List.of(), HistoryPage.Gap.EPOCH, false);
            } else if (since.serial() > head) {
                return new HistoryPage(headPosition, List.of(), HistoryPage.Gap.AHEAD, false);
            } else if (since.serial() + 1 < first) {
                return new HistoryPage(headPosition, List.of(), HistoryPage.Gap.TRIMMED, false);
            } else {
                after = since.serial();
            }
            List<RecordedEvent> out = new ArrayList<>(Math.min(limit, entries.size()));
            Iterator<Entry> it = entries.iterator();
            boolean more = false;
            while (it.hasNext()) {
                Entry e = it.next();
                if (e.serial <= after) {
                    continue;
                }
                if (out.size() == limit) {
                    more = true;
                    break;
                }
                out.add(new RecordedEvent(new StreamPosition(epoch, e.serial), e.frame, e.exclude));
            }
            return new HistoryPage(headPosition, out, null, more);
        }
    }
}
