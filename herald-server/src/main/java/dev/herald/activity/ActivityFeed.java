package dev.herald.activity;

import java.util.function.Consumer;

/**
 * Carries the debug stream from where things happen to whoever watches: on one node, straight to
 * its viewers; in a cluster, from every node to the viewers on any node.
 *
 * <p>As an {@link ActivityTap} it answers {@link #watching} for the whole cluster: an app is
 * watched when a viewer on any node watches it, so nodes with no viewer build no events for apps
 * nobody looks at. A node may learn of another node's new viewer a moment late (under a second),
 * and the events of that moment are not shown; nothing else is lost on the way except what a viewer
 * too slow to keep up drops itself.
 */
public interface ActivityFeed extends ActivityTap, AutoCloseable {

    /**
     * Starts carrying the app's events, from every node, to {@code viewer}, until the returned
     * handle is closed.
     *
     * @param viewer called on the feed's own thread or on the thread that recorded the event; it
     *     hands off and never blocks
     */
    Viewing watch(String appId, Consumer<ActivityEvent> viewer);

    ActivityFeed start();

    @Override
    void close();

    /** One viewer's interest in one app. */
    interface Viewing extends AutoCloseable {
        @Override
        void close();
    }
}
