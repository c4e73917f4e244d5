/** The Redis pub/sub broker: publications between nodes, routed by interest. Lettuce lives here. */
package dev.herald.broker.redis;
