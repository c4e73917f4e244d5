/**
 * The Pusher wire protocol as data: client messages in, encoded frames out, channel kinds and name
 * rules, and the error codes of {@code docs/protocol.md} §2.5.
 *
 * <p>Knows nothing of sockets or Netty channels; no JSON literal or bare error code appears outside
 * this package.
 */
package dev.herald.protocol;
