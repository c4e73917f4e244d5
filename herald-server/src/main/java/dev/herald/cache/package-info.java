/**
 * Cache channels' last events, with their time to live: one interface and the local engine; the
 * Redis engine lives in {@code dev.herald.redis}.
 */
package dev.herald.cache;
