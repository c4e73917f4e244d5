/**
 * This node's connections, channels, subscribers and presence members, and fan-out to them.
 * Never blocks and does no network I/O other than writes to its own connections.
 */
package dev.herald.hub;
