/**
 * What happens on Herald, for the people watching it: the debug stream's events ({@link
 * dev.herald.activity.ActivityEvent}), the tap the session, the REST API and webhooks report to
 * ({@link dev.herald.activity.ActivityTap}), and two engines behind small interfaces: {@link
 * dev.herald.activity.ActivityFeed} (carries events to viewers, on every node of a cluster) and
 * {@link dev.herald.activity.StatsHistory} (connections and messages over the last day). The local
 * engines are here; the Redis ones are in {@code redis}. The console reads them; nothing here knows
 * the console.
 */
package dev.herald.activity;
