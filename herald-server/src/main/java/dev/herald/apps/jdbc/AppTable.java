package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.settings.Setting;
import dev.herald.settings.SettingValues;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
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
 * Herald's default, as an absent key does in the file, so a row inserted by hand with only {@code
 * id}, {@code key} and {@code secret} is a working app. Durations are seconds, as in the file
 * ({@code NUMERIC(12,3)}, millisecond precision); lists ({@code allowed_origins}, {@code webhooks})
 * are JSON text. The SQL is plain enough for PostgreSQL, H2 and MySQL.
 *
 * <p>Stateless; every method runs on the connection it is given and blocks.
 */
final class AppTable {

    static final String TABLE = "herald_apps";
    static final int QUERY_TIMEOUT_SECONDS = 10;

    /**
     * Every column with its SQL type, in the order of {@link #select} and {@link #insert}: the
     * settings of {@link AppSettings}, named as in the apps file. Columns after the first four are
     * nullable, so that {@link #createIfAbsent} can add those a table made by an older Herald
     * lacks.
     */
    private static final Map<String, String> COLUMN_TYPES = columnTypes();

    private static final List<String> COLUMNS = List.copyOf(COLUMN_TYPES.keySet());

    private static Map<String, String> columnTypes() {
        Map<String, String> c = new LinkedHashMap<>();
        for (Setting<?> setting : AppSettings.all()) {
            c.put(setting.name(), setting.column());
        }
        return Collections.unmodifiableMap(c);
    }

    /** The table's columns and their SQL definitions, in order. */
    static Map<String, String> columns() {
        return COLUMN_TYPES;
    }

    private AppTable() {}

    /**
     * Creates the table unless it exists, then adds any column it lacks (all such columns are
     * nullable).
     */
    static void createIfAbsent(Connection c) throws SQLException {
        List<String> definitions = new ArrayList<>();
        for (Map.Entry<String, String> column : COLUMN_TYPES.entrySet()) {
            definitions.add(quote(c, column.getKey()) + " " + column.getValue());
        }
        execute(
                c,
                "CREATE TABLE IF NOT EXISTS "
                        + TABLE
                        + " ("
                        + String.join(", ", definitions)
                        + ")");
        Set<String> present = presentColumns(c);
        if (present.isEmpty()) {
            return; // the driver does not describe the table: trust it
        }
        for (String column : COLUMNS.subList(4, COLUMNS.size())) {
            if (!present.contains(column)) {
                execute(
                        c,
                        "ALTER TABLE " + TABLE + " ADD " + column + " " + COLUMN_TYPES.get(column));
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
        String sql =
                "INSERT INTO "
                        + TABLE
                        + " ("
                        + columnList(c)
                        + ") VALUES ("
                        + String.join(", ", COLUMNS.stream().map(col -> "?").toList())
                        + ")";
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
        try (PreparedStatement s =
                c.prepareStatement("UPDATE " + TABLE + " SET enabled = ? WHERE id = ?")) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            s.setBoolean(1, enabled);
            s.setString(2, id);
            return s.executeUpdate() > 0;
        }
    }

    static boolean setSecret(Connection c, String id, String secret) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("UPDATE " + TABLE + " SET secret = ? WHERE id = ?")) {
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
        List<Setting<?>> settings = AppSettings.all();
        for (int i = 1; i < settings.size(); i++) {
            bindValue(s, offset + i, settings.get(i), app);
        }
    }

    private static <T> void bindValue(PreparedStatement s, int index, Setting<T> setting, App app)
            throws SQLException {
        Object value = setting.type().toStored(AppSettings.read(setting, app));
        switch (setting.type().storage()) {
            case INTEGER -> s.setInt(index, (Integer) value);
            case BOOLEAN -> s.setBoolean(index, (Boolean) value);
            case SECONDS -> s.setBigDecimal(index, (BigDecimal) value);
            case VARCHAR, TEXT -> s.setString(index, (String) value);
            case NONE -> throw new IllegalStateException(setting + " is not stored");
        }
    }

    /**
     * The app of the current row; a {@code NULL} setting has its default, as an absent key in the
     * file does. A row that is not a valid app carries the reason instead.
     */
    private static StoredApp map(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        try {
            SettingValues values = new SettingValues();
            for (Setting<?> setting : AppSettings.all()) {
                readValue(rs, setting, values);
            }
            if (values.get(AppSettings.KEY) == null || values.get(AppSettings.SECRET) == null) {
                return new StoredApp(id, null, "key and secret must not be NULL");
            }
            return new StoredApp(id, AppSettings.build(values), null);
        } catch (IllegalArgumentException e) {
            return new StoredApp(id, null, e.getMessage());
        }
    }

    private static <T> void readValue(ResultSet rs, Setting<T> setting, SettingValues values)
            throws SQLException {
        int index = COLUMNS.indexOf(setting.name()) + 1;
        Object stored =
                switch (setting.type().storage()) {
                    case INTEGER -> rs.getInt(index);
                    case BOOLEAN -> rs.getBoolean(index);
                    case SECONDS -> rs.getBigDecimal(index);
                    case VARCHAR, TEXT -> rs.getString(index);
                    case NONE -> throw new IllegalStateException(setting + " is not stored");
                };
        if (stored == null || rs.wasNull()) {
            return; // the default
        }
        values.put(setting, setting.type().fromStored(stored, setting.name()));
    }
}
