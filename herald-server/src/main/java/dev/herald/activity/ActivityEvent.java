package dev.herald.activity;

import java.util.Map;

/**
 * One line of the debug stream: something that happened to one app on one node.
 *
 * @param time milliseconds since the epoch
 * @param node the node it happened on
 * @param app the app's id
 * @param kind what happened
 * @param socketId the connection it concerns, or {@code null} (API messages have none)
 * @param channel the channel, or {@code null}
 * @param event the event name, or {@code null}
 * @param dataBytes the size of the event's data in bytes, or -1 when there is none
 * @param data the event's data cut to {@link #MAX_DATA_CHARS} characters, or {@code null}
 * @param details what only this kind carries (close code, webhook status and attempt...), never
 *     null
 */
public record ActivityEvent(
        long time,
        String node,
        String app,
        Kind kind,
        String socketId,
        String channel,
        String event,
        int dataBytes,
        String data,
        Map<String, Object> details) {

    /**
     * How much of an event's data the debug stream carries: enough to read a typical payload,
     * little enough that a viewer's queue holds many events. The size is always the whole one.
     */
    public static final int MAX_DATA_CHARS = 2_048;

    public enum Kind {
        CONNECTED,
        DISCONNECTED,
        SUBSCRIBED,
        UNSUBSCRIBED,
        API_MESSAGE,
        CLIENT_EVENT,
        WEBHOOK
    }

    public ActivityEvent {
        details = details == null ? Map.of() : Map.copyOf(details);
        if (data != null && data.length() > MAX_DATA_CHARS) {
            data = data.substring(0, MAX_DATA_CHARS);
        }
    }

    /** The same event as seen from another node (a relay keeps the node it happened on). */
    public ActivityEvent withNode(String node) {
        return new ActivityEvent(
                time, node, app, kind, socketId, channel, event, dataBytes, data, details);
    }
}
