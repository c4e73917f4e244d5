package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The SQL of the {@code herald_apps} table, and the mapping between its rows and {@link App}.
 *
 * <p>Columns carry the names of the YAML apps file. {@code key} is a reserved word in H2 and MySQL,
 * so it is quoted with the driver's own quote character. A {@code NULL} feature or limit means
 * Herald's default, as an absent key does in the file, so a row inserted by hand with only
 * {@code id}, {@code key} and {@code secret} is a working app. Durations are seconds, as in the
 * file ({@code NUMERIC(12,3)}, millisecond precision); lists ({@code allowed_origins},
 * {@code webhooks}) are JSON text. The SQL is plain enough for PostgreSQL, H2 and MySQL.
 *
 * <p>Stateless; every method runs on the connection it is given and blocks.
 */
final class AppTable {

    static final String TABLE = "herald_apps";
    static final int QUERY_TIMEOUT_SECONDS = 10;

    /**
     * Every column with its SQL type, in the order of {@link #select} and {@link #insert}. Columns
     * after the first four are nullable, so that {@link #createIfAbsent} can add those a table made
     * by an older Herald lacks.
     */
    private static final Map<String, String> COLUMN_TYPES = columnTypes();
    private static final List<String> COLUMNS = List.copyOf(COLUMN_TYPES.keySet());

    private static Map<String, String> columnTypes() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("id", "VARCHAR(255) NOT NULL PRIMARY KEY");
        c.put("key", "VARCHAR(255) NOT NULL UNIQUE");
        c.put("secret", "VARCHAR(255) NOT NULL");
        c.put("enabled", "BOOLEAN DEFAULT TRUE NOT NULL");
        c.put("client_events", "BOOLEAN");
        c.put("user_authentication", "BOOLEAN");
        c.put("watchlist", "BOOLEAN");
        c.put("subscription_count", "BOOLEAN");
        c.put("authorized_connections", "BOOLEAN");
        c.put("authorized_connection_timeout", "NUMERIC(12,3)");
        c.put("allowed_origins", "TEXT");
        c.put("max_connections", "INTEGER");
        c.put("max_event_bytes", "INTEGER");
        c.put("max_channels_per_connection", "INTEGER");
        c.put("max_presence_members", "INTEGER");
        c.put("max_presence_user_info_bytes", "INTEGER");
        c.put("client_events_per_second", "INTEGER");
        c.put("max_channel_name_length", "INTEGER");
        c.put("max_watchlist_size", "INTEGER");
        c.put("cache_ttl", "NUMERIC(12,3)");
        c.put("api_requests_per_second", "INTEGER");
        c.put("webhooks", "TEXT");
        return Collections.unmodifiableMap(c);
    }

    private AppTable() {
    }

    /** Creates the table unless it exists, then adds any column it lacks (all such columns are nullable). */
    static void createIfAbsent(Connection c) throws SQLException {
        List<String> definitions = new ArrayList<>();
        for (Map.Entry<String, String> column : COLUMN_TYPES.entrySet()) {
            definitions.add(quote(c, column.getKey()) + " " + column.getValue());
        }
        execute(c, "CREATE TABLE IF NOT EXISTS " + TABLE + " (" + String.join(", ", definitions) + ")");
        Set<String> present = presentColumns(c);
        if (present.isEmpty()) {
            return; // the driver does not describe the table: trust it
        }
        for (String column : COLUMNS.subList(4, COLUMNS.size())) {
            if (!present.contains(column)) {
                execute(c, "ALTER TABLE " + TABLE + " ADD " + column + " " + COLUMN_TYPES.get(column));
            }
        }
    }

    private static Set<String> presentColumns(Connection c) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        String table = meta.storesUpperCaseIdentifiers() ? TABLE.toUpperCase(Locale.ROOT) : TABLE;
        String schema;
        try {
            schema = c.getSchema();
        } catch (SQLFeatureNotSupportedException | AbstractMethodError e) {
            schema = null;
        }
        Set<String> columns = new HashSet<>();
        try (ResultSet rs = meta.getColumns(c.getCatalog(), schema, table, null)) {
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return columns;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.execute(sql);
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
        s.setString(++i, JsonColumns.writeStrings(f.allowedOrigins()));
        s.setInt(++i, l.maxConnections());
        s.setInt(++i, l.maxEventBytes());
        s.setInt(++i, l.maxChannelsPerConnection());
        s.setInt(++i, l.maxPresenceMembers());
        s.setInt(++i, l.maxPresenceUserInfoBytes());
        s.setInt(++i, l.clientEventsPerSecond());
        s.setInt(++i, l.maxChannelNameLength());
        s.setInt(++i, l.maxWatchlistSize());
        s.setBigDecimal(++i, seconds(l.cacheTtl()));
        s.setInt(++i, l.apiRequestsPerSecond());
        s.setString(++i, JsonColumns.writeWebhooks(app.webhooks()));
    }

    private static StoredApp map(ResultSet rs) throws SQLException {
        Row row = new Row(rs);
        String id = row.rs.getString(1);
        try {
            AppFeatures df = AppFeatures.defaults();
            AppLimits dl = AppLimits.defaults();
            String key = row.text("key");
            String secret = row.text("secret");
            boolean enabled = row.bool("enabled", true);
            AppFeatures features = new AppFeatures(
                    row.bool("client_events", df.clientEvents()),
                    row.bool("user_authentication", df.userAuthentication()),
                    row.bool("watchlist", df.watchlist()),
                    row.bool("subscription_count", df.subscriptionCount()),
                    row.bool("authorized_connections", df.authorizedConnections()),
                    row.duration("authorized_connection_timeout", df.authorizedConnectionTimeout()),
                    JsonColumns.readStrings("allowed_origins", row.text("allowed_origins")));
            AppLimits limits = new AppLimits(
                    row.integer("max_connections", dl.maxConnections()),
                    row.integer("max_event_bytes", dl.maxEventBytes()),
                    row.integer("max_channels_per_connection", dl.maxChannelsPerConnection()),
                    row.integer("max_presence_members", dl.maxPresenceMembers()),
                    row.integer("max_presence_user_info_bytes", dl.maxPresenceUserInfoBytes()),
                    row.integer("client_events_per_second", dl.clientEventsPerSecond()),
                    row.integer("max_channel_name_length", dl.maxChannelNameLength()),
                    row.integer("max_watchlist_size", dl.maxWatchlistSize()),
                    row.duration("cache_ttl", dl.cacheTtl()),
                    row.integer("api_requests_per_second", dl.apiRequestsPerSecond()));
            if (key == null || secret == null) {
                return new StoredApp(id, null, "key and secret must not be NULL");
            }
            return new StoredApp(id, new App(id, key, secret, enabled, features, limits,
                    JsonColumns.readWebhooks(row.text("webhooks"))), null);
        } catch (IllegalArgumentException e) {
            return new StoredApp(id, null, e.getMessage());
        }
    }

    /** Reads columns of the current row by name, in {@link #COLUMNS} order; NULL gives the fallback. */
    private static final class Row {

        final ResultSet rs;

        Row(ResultSet rs) {
            this.rs = rs;
        }

        private static int index(String column) {
            return COLUMNS.indexOf(column) + 1;
        }

        String text(String column) throws SQLException {
            return rs.getString(index(column));
        }

        boolean bool(String column, boolean fallback) throws SQLException {
            boolean value = rs.getBoolean(index(column));
            return rs.wasNull() ? fallback : value;
        }

        int integer(String column, int fallback) throws SQLException {
            int value = rs.getInt(index(column));
            return rs.wasNull() ? fallback : value;
        }

        Duration duration(String column, Duration fallback) throws SQLException {
            BigDecimal value = rs.getBigDecimal(index(column));
            if (value == null) {
                return fallback;
            }
            if (value.signum() <= 0) {
                throw new IllegalArgumentException(column + " must be a positive number of seconds, got "
                        + value.toPlainString());
            }
            return Duration.ofMillis(value.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact());
        }
    }

    private static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3);
    }
}
