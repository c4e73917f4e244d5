/**
 * Apps kept in a relational table ({@code herald_apps}), PostgreSQL in production and H2 embedded
 * in tests: {@link dev.herald.apps.jdbc.JdbcAppStore} serves them from an in-memory snapshot
 * refreshed in the background, and {@link dev.herald.apps.jdbc.JdbcApps} changes them (for the
 * {@code herald apps} command).
 *
 * <p>The only package where {@code java.sql} may be imported for apps. It must not block an event
 * loop (lookups read the snapshot) and must never log a secret: neither an app's secret nor the
 * database password, which may sit inside the JDBC URL.
 */
package dev.herald.apps.jdbc;
