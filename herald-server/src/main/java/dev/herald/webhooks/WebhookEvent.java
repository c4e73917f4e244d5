package dev.herald.webhooks;

import dev.herald.apps.App;

/**
 * One channel change on its way from an event loop to the webhook thread, kept as the strings the
 * observer was given (JSON is built on the webhook thread, never on an event loop).
 *
 * @param channel the channel's name
 * @param event a client event's name, else {@code null}
 * @param data a client event's data, else {@code null}
 * @param socketId a client event's sender, else {@code null}
 * @param userId the member of a member event, or a client event's presence user, else {@code null}
 * @param localCount a {@code subscription_count} change: this node's count, used if the cluster
 *     total cannot be read
 * @param bytes estimated heap held by this event, see {@link #estimate}
 */
record WebhookEvent(
        App app,
        EventType type,
        String channel,
        String event,
        String data,
        String socketId,
        String userId,
        int localCount,
        long bytes) {

    /** The record, its queue slot and the sequence wrapper, before any string. */
    private static final int FIXED_BYTES = 96;

    /** A String object and its array header. */
    private static final int STRING_BYTES = 40;

    static WebhookEvent of(App app, EventType type, String channel) {
        return new WebhookEvent(
                app,
                type,
                channel,
                null,
                null,
                null,
                null,
                0,
                estimate(channel, null, null, null, null));
    }

    static WebhookEvent member(App app, EventType type, String channel, String userId) {
        return new WebhookEvent(
                app,
                type,
                channel,
                null,
                null,
                null,
                userId,
                0,
                estimate(channel, null, null, null, userId));
    }

    static WebhookEvent count(App app, String channel, int localCount) {
        return new WebhookEvent(
                app,
                EventType.SUBSCRIPTION_COUNT,
                channel,
                null,
                null,
                null,
                null,
                localCount,
                estimate(channel, null, null, null, null));
    }

    static WebhookEvent client(
            App app, String channel, String event, String data, String socketId, String userId) {
        return new WebhookEvent(
                app,
                EventType.CLIENT_EVENT,
                channel,
                event,
                data,
                socketId,
                userId,
                0,
                estimate(channel, event, data, socketId, userId));
    }

    /**
     * The heap this event holds, from its fields: two bytes a character (a string with any
     * non-Latin-1 character is stored as UTF-16; counting every string that way over-estimates at
     * most twice) plus fixed object overheads. The strings are the client's, so their length is
     * what a hostile client controls; the estimate grows with it.
     */
    static long estimate(
            String channel, String event, String data, String socketId, String userId) {
        return FIXED_BYTES
                + size(channel)
                + size(event)
                + size(data)
                + size(socketId)
                + size(userId);
    }

    private static long size(String s) {
        return s == null ? 0 : STRING_BYTES + 2L * s.length();
    }
}
