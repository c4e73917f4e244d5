package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of the {@code herald_apps} table, and the mapping between its rows and {@link App}.
 *
 * <p>Columns carry the names of the YAML apps file. {@code key} is a reserved word in H2 and MySQL,
 * so it is quoted with the driver's own quote character. A {@code NULL} feature or limit means
 * Herald's default, as an absent key does in the file, so a row inserted by hand with only
 * {@code id}, {@code key} and {@code secret} is a working app. Durations are seconds, as in the
 * file ({@code NUMERIC(12,3)}, millisecond precision). The SQL is plain enough for PostgreSQL, H2
 * and MySQL.
 *
 * <p>Stateless; every method runs on the connection it is given and blocks.
 */
final class AppTable {

    static final String TABLE = "herald_apps";
    static final int QUERY_TIMEOUT_SECONDS = 10;

    /** Every column, in the order of {@link #select} and {@link #insert}; {@code key} is quoted later. */
    private static final List<String> COLUMNS = List.of("id", "key", "secret", "enabled", "client_events",
            "user_authentication", "watchlist", "subscription_count", "authorized_connections",
            "authorized_connection_timeout", "max_connections", "max_event_bytes", "max_channels_per_connection",
            "max_presence_members", "max_presence_user_info_bytes", "client_events_per_second",
            "max_channel_name_length", "max_watchlist_size", "cache_ttl", "webhooks");

    private AppTable() {
    }

    static void createIfAbsent(Connection c) throws SQLException {
        String key = quote(c, "key");
        String ddl = "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
                + "id VARCHAR(255) NOT NULL PRIMARY KEY, "
                + key + " VARCHAR(255) NOT NULL UNIQUE, "
                + "secret VARCHAR(255) NOT NULL, "
                + "enabled BOOLEAN DEFAULT TRUE NOT NULL, "
                + "client_events BOOLEAN, "
                + "user_authentication BOOLEAN, "
                + "watchlist BOOLEAN, "
                + "subscription_count BOOLEAN, "
                + "authorized_connections BOOLEAN, "
                + "authorized_connection_timeout NUMERIC(12,3), "
                + "max_connections INTEGER, "
                + "max_event_bytes INTEGER, "
                + "max_channels_per_connection INTEGER, "
                + "max_presence_members INTEGER, "
                + "max_presence_user_info_bytes INTEGER, "
                + "client_events_per_second INTEGER, "
                + "max_channel_name_length INTEGER, "
                + "max_watchlist_size INTEGER, "
                + "cache_ttl NUMERIC(12,3), "
                + "webhooks TEXT)";
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.execute(ddl);
        }
    }

    /** Every row, valid or not, ordered by id. */
    static List<StoredApp> selectAll(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(select(c) + " ORDER BY id")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = s.executeQuery()) {
                List<StoredApp> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(map(rs));
                }
                return rows;
            }
        }
    }

    static Optional<StoredApp> selectById(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(select(c) + " WHERE id = ?")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    static void insert(Connection c, App app) throws SQLException {
        String sql = "INSERT INTO " + TABLE + " (" + columnList(c) + ") VALUES ("
                + String.join(", ", COLUMNS.stream().map(col -> "?").toList()) + ")";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            bind(s, app);
            s.executeUpdate();
        }
    }

    /** Replaces every column of the row with this app's id; false when there is no such row. */
    static boolean update(Connection c, App app) throws SQLException {
        StringBuilder sql = new StringBuilder("UPDATE ").append(TABLE).append(" SET ");
        for (int i = 1; i < COLUMNS.size(); i++) {
            sql.append(i > 1 ? ", " : "").append(quote(c, COLUMNS.get(i))).append(" = ?");
        }
        sql.append(" WHERE id = ?");
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            bindValues(s, app, 0);
            s.setString(COLUMNS.size(), app.id());
            return s.executeUpdate() > 0;
        }
    }

    static boolean setEnabled(Connection c, String id, boolean enabled) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE " + TABLE + " SET enabled = ? WHERE id = ?")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.setBoolean(1, enabled);
            s.setString(2, id);
            return s.executeUpdate() > 0;
        }
    }

    static boolean setSecret(Connection c, String id, String secret) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE " + TABLE + " SET secret = ? WHERE id = ?")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.setString(1, secret);
            s.setString(2, id);
            return s.executeUpdate() > 0;
        }
    }

    static boolean delete(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM " + TABLE + " WHERE id = ?")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.setString(1, id);
            return s.executeUpdate() > 0;
        }
    }

    private static String select(Connection c) throws SQLException {
        return "SELECT " + columnList(c) + " FROM " + TABLE;
    }

    private static String columnList(Connection c) throws SQLException {
        List<String> quoted = new ArrayList<>();
        for (String column : COLUMNS) {
            quoted.add(quote(c, column));
        }
        return String.join(", ", quoted);
    }

    /** Quotes {@code key} only, so that the other columns keep each database's usual case rules. */
    private static String quote(Connection c, String column) throws SQLException {
        if (!column.equals("key")) {
            return column;
        }
        String q = c.getMetaData().getIdentifierQuoteString();
        return q == null || q.isBlank() ? "\"key\"" : q.trim() + "key" + q.trim();
    }

    private static void bind(PreparedStatement s, App app) throws SQLException {
        s.setString(1, app.id());
        bindValues(s, app, 1);
    }

    /** Binds every column after id, starting at parameter {@code offset + 1}. */
    private static void bindValues(PreparedStatement s, App app, int offset) throws SQLException {
        AppFeatures f = app.features();
        AppLimits l = app.limits();
        int i = offset;
        s.setString(++i, app.key());
        s.setString(++i, app.secret());
        s.setBoolean(++i, app.enabled());
        s.setBoolean(++i, f.clientEvents());
        s.setBoolean(++i, f.userAuthentication());
        s.setBoolean(++i, f.watchlist());
        s.setBoolean(++i, f.subscriptionCount());
        s.setBoolean(++i, f.authorizedConnections());
        s.setBigDecimal(++i, seconds(f.authorizedConnectionTimeout()));
        s.setInt(++i, l.maxConnections());
        s.setInt(++i, l.maxEventBytes());
        s.setInt(++i, l.maxChannelsPerConnection());
        s.setInt(++i, l.maxPresenceMembers());
        s.setInt(++i, l.maxPresenceUserInfoBytes());
        s.setInt(++i, l.clientEventsPerSecond());
        s.setInt(++i, l.maxChannelNameLength());
        s.setInt(++i, l.maxWatchlistSize());
        s.setBigDecimal(++i, seconds(l.cacheTtl()));
        s.setString(++i, WebhooksJson.write(app.webhooks()));
    }

    private static StoredApp map(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        try {
            AppFeatures df = AppFeatures.defaults();
            AppLimits dl = AppLimits.defaults();
            AppFeatures features = new AppFeatures(
                    bool(rs, 5, df.clientEvents()),
                    bool(rs, 6, df.userAuthentication()),
                    bool(rs, 7, df.watchlist()),
                    bool(rs, 8, df.subscriptionCount()),
                    bool(rs, 9, df.authorizedConnections()),
                    duration(rs, 10, df.authorizedConnectionTimeout()));
            AppLimits limits = new AppLimits(
                    integer(rs, 11, dl.maxConnections()),
                    integer(rs, 12, dl.maxEventBytes()),
                    integer(rs, 13, dl.maxChannelsPerConnection()),
                    integer(rs, 14, dl.maxPresenceMembers()),
                    integer(rs, 15, dl.maxPresenceUserInfoBytes()),
                    integer(rs, 16, dl.clientEventsPerSecond()),
                    integer(rs, 17, dl.maxChannelNameLength()),
                    integer(rs, 18, dl.maxWatchlistSize()),
                    duration(rs, 19, dl.cacheTtl()));
            String key = rs.getString(2);
            String secret = rs.getString(3);
            if (key == null || secret == null) {
                return new StoredApp(id, null, "key and secret must not be NULL");
            }
            return new StoredApp(id, new App(id, key, secret, bool(rs, 4, true), features, limits,
                    WebhooksJson.read(rs.getString(20))), null);
        } catch (IllegalArgumentException e) {
            return new StoredApp(id, null, e.getMessage());
        }
    }

    private static boolean bool(ResultSet rs, int column, boolean fallback) throws SQLException {
        boolean value = rs.getBoolean(column);
        return rs.wasNull() ? fallback : value;
    }

    private static int integer(ResultSet rs, int column, int fallback) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? fallback : value;
    }

    private static Duration duration(ResultSet rs, int column, Duration fallback) throws SQLException {
        BigDecimal value = rs.getBigDecimal(column);
        if (value == null) {
            return fallback;
        }
        if (value.signum() <= 0) {
            throw new IllegalArgumentException(COLUMNS.get(column - 1) + " must be a positive number of seconds, got "
                    + value.toPlainString());
        }
        return Duration.ofMillis(value.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    private static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3);
    }
}
