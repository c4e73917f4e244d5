/**
 * Apps (tenants): credentials, feature flags and limits, and the stores they are looked up in.
 * Stores never log secrets and never block an event loop.
 */
package dev.herald.apps;
