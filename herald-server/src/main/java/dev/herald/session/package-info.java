/**
 * The Pusher session on a WebSocket: admission ({@link dev.herald.session.Handshake}), the
 * per-connection {@link dev.herald.session.ConnectionHandler} and the shared handlers for
 * subscriptions, client events and sign-in, socket ids, and the features built on channels that
 * publish to clients (presence member events, watchlists, subscription counts). Drives the {@code
 * hub}; reports to the observers in {@code observers}.
 */
package dev.herald.session;
