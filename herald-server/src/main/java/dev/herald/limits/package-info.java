/** Rate limits and quotas: token buckets per connection, per app and per IP. */
package dev.herald.limits;
