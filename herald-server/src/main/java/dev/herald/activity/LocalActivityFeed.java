package dev.herald.activity;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The feed of one node: events go straight from the recording thread to this node's viewers. */
public final class LocalActivityFeed implements ActivityFeed {

    private final Map<String, List<Consumer<ActivityEvent>>> viewers = new ConcurrentHashMap<>();

    /** The apps with a viewer; replaced whole on change so the hot path reads it without a lock. */
    private volatile Set<String> watched = Set.of();

    @Override
    public LocalActivityFeed start() {
        return this;
    }

    @Override
    public boolean watching(String appId) {
        Set<String> now = watched;
        return !now.isEmpty() && now.contains(appId);
    }

    @Override
    public void record(ActivityEvent event) {
        List<Consumer<ActivityEvent>> those = viewers.get(event.app());
        if (those != null) {
            for (Consumer<ActivityEvent> viewer : those) {
                viewer.accept(event);
            }
        }
    }

    @Override
    public synchronized Viewing watch(String appId, Consumer<ActivityEvent> viewer) {
        viewers.computeIfAbsent(appId, k -> new CopyOnWriteArrayList<>()).add(viewer);
        watched = Set.copyOf(viewers.keySet());
        return () -> unwatch(appId, viewer);
    }

    private synchronized void unwatch(String appId, Consumer<ActivityEvent> viewer) {
        List<Consumer<ActivityEvent>> those = viewers.get(appId);
        if (those != null && those.remove(viewer) && those.isEmpty()) {
            viewers.remove(appId);
            watched = Set.copyOf(viewers.keySet());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            viewers.clear();
            watched = Set.of();
        }
    }
}
