/**
 * Moving publications between nodes: one interface, with the in-process {@link
 * dev.herald.broker.LocalBroker} next to it; the Redis engine lives in {@code dev.herald.redis}
 * with Herald's other Redis code. Not a home-made cluster protocol.
 */
package dev.herald.broker;
