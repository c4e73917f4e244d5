/**
 * Netty plumbing: transport selection (io_uring, epoll, NIO), the HTTP pipeline, the WebSocket
 * upgrade and liveness probes. Knows nothing of Pusher semantics.
 */
package dev.herald.transport;
