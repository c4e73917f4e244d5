/** Micrometer meters, named once, and the Prometheus scrape. */
package dev.herald.metrics;
