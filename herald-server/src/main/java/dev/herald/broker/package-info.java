/**
 * Moving publications between nodes: one interface, with the in-process {@link
 * dev.herald.broker.LocalBroker} next to it and networked engines in sub-packages named after
 * them. Not a home-made cluster protocol.
 */
package dev.herald.broker;
