/** Cache channels' last events, with their time to live: one interface, engines beside it. */
package dev.herald.cache;
