package dev.herald.apps.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.settings.Setting;
import dev.herald.settings.Storage;
import java.sql.Connection;
import java.sql.JDBCType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The {@code herald_apps} table, as a database creates it, is the schema of {@link AppSettings}:
 * one column per setting, in order, of the SQL type of the setting's storage.
 */
@DisplayName("issue 14: the herald_apps table is defined by the settings schema")
class AppTableSchemaTest {

    @Test
    void theCreatedTableHasOneColumnPerAppSettingOfItsType() throws SQLException {
        JdbcDatabase database =
                JdbcDatabase.of("jdbc:h2:mem:schema-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        new JdbcApps(database).createTable();
        List<String> names = new ArrayList<>();
        List<JDBCType> types = new ArrayList<>();
        try (Connection c = database.connect();
                ResultSet rs = c.getMetaData().getColumns(null, null, "HERALD_APPS", null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                types.add(JDBCType.valueOf(rs.getInt("DATA_TYPE")));
            }
        }
        assertThat(names)
                .containsExactlyElementsOf(AppSettings.all().stream().map(Setting::name).toList());
        for (int i = 0; i < names.size(); i++) {
            Storage storage = AppSettings.all().get(i).type().storage();
            assertThat(types.get(i))
                    .as("type of column %s (%s)", names.get(i), storage)
                    .isIn(jdbcTypes(storage));
        }
        assertThat(AppTable.columns().keySet()).containsExactlyElementsOf(names);
    }

    @Test
    void aTableOfAnOlderHeraldGetsTheMissingSettingsAsColumnsAndKeepsItsApps() throws SQLException {
        JdbcDatabase database =
                JdbcDatabase.of("jdbc:h2:mem:schema-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE herald_apps (id VARCHAR(255) NOT NULL PRIMARY KEY, \"key\" VARCHAR(255) NOT NULL "
                            + "UNIQUE, secret VARCHAR(255) NOT NULL, enabled BOOLEAN DEFAULT TRUE NOT NULL)");
            s.execute(
                    "INSERT INTO herald_apps (id, \"key\", secret) VALUES ('old', 'old-key', 'old-secret')");
        }
        JdbcApps apps = new JdbcApps(database);
        apps.createTable();
        assertThat(columnNames(database)).containsExactlyElementsOf(AppTable.columns().keySet());
        assertThat(apps.list())
                .singleElement()
                .satisfies(
                        row ->
                                assertThat(row.app())
                                        .isEqualTo(App.of("old", "old-key", "old-secret")));
    }

    private static List<String> columnNames(JdbcDatabase database) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = database.connect();
                ResultSet rs = c.getMetaData().getColumns(null, null, "HERALD_APPS", null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static List<JDBCType> jdbcTypes(Storage storage) {
        return switch (storage) {
            case INTEGER -> List.of(JDBCType.INTEGER);
            case BOOLEAN -> List.of(JDBCType.BOOLEAN);
            case SECONDS -> List.of(JDBCType.NUMERIC, JDBCType.DECIMAL);
            case VARCHAR -> List.of(JDBCType.VARCHAR);
            case TEXT -> List.of(JDBCType.CLOB, JDBCType.LONGVARCHAR, JDBCType.VARCHAR);
            case NONE -> List.of();
        };
    }
}
