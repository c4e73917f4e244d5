package dev.herald.webhooks;

import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityTap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A debug stream that watches the apps it is given: remembers which apps it was asked about and
 * what was recorded, and fails the test if an event is recorded for an app nobody watches.
 */
final class RecordingTap implements ActivityTap {

    private final Set<String> watched;
    private final List<String> asked = new ArrayList<>();
    private final List<ActivityEvent> events = new ArrayList<>();

    RecordingTap(Set<String> watched) {
        this.watched = Set.copyOf(watched);
    }

    @Override
    public synchronized boolean watching(String appId) {
        asked.add(appId);
        return watched.contains(appId);
    }

    @Override
    public synchronized void record(ActivityEvent event) {
        if (!watched.contains(event.app())) {
            throw new AssertionError("recorded for an app nobody watches: " + event);
        }
        events.add(event);
    }

    synchronized List<String> asked() {
        return List.copyOf(asked);
    }

    synchronized List<ActivityEvent> events() {
        return List.copyOf(events);
    }
}
