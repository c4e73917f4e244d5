package dev.herald.settings;

/**
 * How a setting is kept in a column of the {@code herald_apps} table, and the SQL type it gets
 * there. The values are plain Java ({@link Integer}, {@link Boolean}, {@link java.math.BigDecimal}
 * seconds, {@link String}), so that only the JDBC engine speaks JDBC.
 */
public enum Storage {
    INTEGER("INTEGER"),
    BOOLEAN("BOOLEAN"),
    /** Seconds with millisecond precision, as in the apps file. */
    SECONDS("NUMERIC(12,3)"),
    VARCHAR("VARCHAR(255)"),
    /** Free text; lists are JSON arrays. */
    TEXT("TEXT"),
    /** Not stored: a setting of the server, not of an app. */
    NONE(null);

    private final String sql;

    Storage(String sql) {
        this.sql = sql;
    }

    public String sql() {
        return sql;
    }
}
