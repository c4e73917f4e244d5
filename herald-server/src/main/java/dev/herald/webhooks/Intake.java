package dev.herald.webhooks;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The events on their way from the event loops to the webhook thread: one queue per app, bounded as
 * a whole in events and in estimated bytes, and drained round-robin, one event per app per turn, so
 * an app with a million events waiting delays another app's next event by one event.
 *
 * <p>When an event does not fit, something is shed, and the app that is over its fair share pays:
 *
 * <ul>
 *   <li>If the arriving event's app would hold more than its share (the bound divided by the apps
 *       with events waiting), it sheds its own oldest event of the lowest rank (see {@link
 *       EventType}) no higher than the arriving one; if all it holds outrank the arriving event,
 *       the arriving event is dropped.
 *   <li>Otherwise another app is over its share: the app holding the most bytes sheds its oldest
 *       event of its lowest rank, so a quiet app's events always get in during another's flood.
 * </ul>
 *
 * Every shed event is counted in {@link Drops}. Thread-safe: event loops offer, the webhook thread
 * drains; one lock guards everything, held for a few field updates.
 */
final class Intake {

    private final long maxBytes;
    private final int maxEvents;
    private final Drops drops;

    /** The apps with events waiting, and the same queues in round-robin order. */
    private final Map<String, AppQueue> byApp = new HashMap<>();

    private final ArrayDeque<AppQueue> rotation = new ArrayDeque<>();
    private long bytes;
    private int count;
    private long peakBytes;
    private long nextSeq;

    /** An event and its arrival order, which the drain keeps across ranks. */
    private record Entry(WebhookEvent event, long seq) {}

    /** One app's waiting events, one FIFO per rank. */
    private static final class AppQueue {
        final String appId;

        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array cannot be made otherwise
        final ArrayDeque<Entry>[] ranks = new ArrayDeque[EventType.RANKS];

        long bytes;
        int count;

        AppQueue(String appId) {
            this.appId = appId;
            for (int r = 0; r < ranks.length; r++) {
                ranks[r] = new ArrayDeque<>();
            }
        }

        /** The next event in arrival order. */
        Entry pollOldest() {
            ArrayDeque<Entry> first = null;
            for (ArrayDeque<Entry> q : ranks) {
                if (!q.isEmpty()
                        && (first == null || q.peekFirst().seq() < first.peekFirst().seq())) {
                    first = q;
                }
            }
            return first == null ? null : first.pollFirst();
        }

        /**
         * Removes the oldest event of the lowest rank not above {@code maxRank}, or returns null.
         */
        Entry shed(int maxRank) {
            for (int r = 0; r <= Math.min(maxRank, ranks.length - 1); r++) {
                if (!ranks[r].isEmpty()) {
                    return ranks[r].pollFirst();
                }
            }
            return null;
        }
    }

    Intake(long maxBytes, int maxEvents, Drops drops) {
        this.maxBytes = maxBytes;
        this.maxEvents = maxEvents;
        this.drops = drops;
    }

    /** Queues the event, shedding as the class comment says if it does not fit. Any thread. */
    synchronized void offer(WebhookEvent event) {
        String appId = event.app().id();
        AppQueue own = byApp.get(appId);
        boolean fresh = own == null;
        if (fresh) {
            own = new AppQueue(appId);
        }
        while (bytes + event.bytes() > maxBytes || count + 1 > maxEvents) {
            int active = byApp.size() + (fresh ? 1 : 0);
            boolean ownOverShare =
                    own.bytes + event.bytes() > maxBytes / active
                            || own.count + 1 > maxEvents / active;
            AppQueue victim = ownOverShare ? own : largestOther(own);
            if (victim == null) {
                victim = own;
            }
            // an app pays for its own flood by rank; another app over its share pays whatever it
            // holds
            Entry shed = victim.shed(victim == own ? event.type().rank() : EventType.RANKS - 1);
            if (shed == null) {
                if (!fresh && own.count == 0) {
                    unregister(own);
                }
                drops.dropped(event.app(), event.type(), Drops.Reason.QUEUE_FULL, 1);
                return;
            }
            take(victim, shed);
            if (victim != own && victim.count == 0) {
                unregister(victim);
            }
            drops.dropped(shed.event().app(), shed.event().type(), Drops.Reason.QUEUE_FULL, 1);
        }
        own.ranks[event.type().rank()].addLast(new Entry(event, nextSeq++));
        own.bytes += event.bytes();
        own.count++;
        bytes += event.bytes();
        count++;
        peakBytes = Math.max(peakBytes, bytes);
        if (fresh) {
            byApp.put(appId, own);
            rotation.addLast(own);
        }
    }

    private AppQueue largestOther(AppQueue own) {
        AppQueue largest = null;
        for (AppQueue q : byApp.values()) {
            if (q != own && q.count > 0 && (largest == null || q.bytes > largest.bytes)) {
                largest = q;
            }
        }
        return largest;
    }

    private void take(AppQueue from, Entry entry) {
        from.bytes -= entry.event().bytes();
        from.count--;
        bytes -= entry.event().bytes();
        count--;
    }

    private void unregister(AppQueue q) {
        byApp.remove(q.appId);
        rotation.remove(q);
    }

    /** Moves up to {@code max} events to {@code out}, one app per turn. The webhook thread only. */
    synchronized int drainTo(List<WebhookEvent> out, int max) {
        int moved = 0;
        while (moved < max && !rotation.isEmpty()) {
            AppQueue q = rotation.pollFirst();
            Entry entry = q.pollOldest();
            take(q, entry);
            out.add(entry.event());
            moved++;
            if (q.count > 0) {
                rotation.addLast(q);
            } else {
                byApp.remove(q.appId);
            }
        }
        return moved;
    }

    synchronized boolean isEmpty() {
        return count == 0;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return count;
    }

    /** The most bytes ever held at once: never above the bound. */
    synchronized long peakBytes() {
        return peakBytes;
    }
}
