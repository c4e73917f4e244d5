/**
 * Netty plumbing: transport selection (io_uring, epoll, NIO), the HTTP pipeline, the WebSocket
 * upgrade and liveness probes. Knows nothing of Pusher semantics; the one frame it sends of its own
 * accord, the liveness ping, is built in {@code protocol} like every other.
 */
package dev.herald.transport;
