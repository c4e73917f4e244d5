package dev.herald.apps.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JdbcDatabaseTest {

    @Test
    void masksPasswordsInTheUrl() {
        assertThat(
                        JdbcDatabase.of(
                                        "jdbc:postgresql://db:5432/herald?user=herald&password=s3cret&ssl=true")
                                .redactedUrl())
                .isEqualTo("jdbc:postgresql://db:5432/herald?user=herald&password=****&ssl=true");
        assertThat(JdbcDatabase.of("jdbc:h2:tcp://h/mem:x;USER=sa;PASSWORD=s3cret").redactedUrl())
                .isEqualTo("jdbc:h2:tcp://h/mem:x;USER=sa;PASSWORD=****");
        assertThat(JdbcDatabase.of("jdbc:mysql://herald:s3cret@db:3306/herald").redactedUrl())
                .isEqualTo("jdbc:mysql://herald:****@db:3306/herald");
    }

    @Test
    void masksAPasswordGivenApartWhereverItAppears() {
        JdbcDatabase db = new JdbcDatabase("jdbc:postgresql://db/herald", "herald", "s3cret");

        assertThat(db.redact("auth failed for herald with s3cret"))
                .isEqualTo("auth failed for herald with ****");
        assertThat(db.toString()).doesNotContain("s3cret").contains("password=****");
    }

    @Test
    void readsTheEnvironment() {
        assertThat(JdbcDatabase.fromEnvironment(Map.of())).isEmpty();
        assertThat(JdbcDatabase.fromEnvironment(Map.of("HERALD_APPS_JDBC_URL", " "))).isEmpty();
        assertThat(
                        JdbcDatabase.fromEnvironment(
                                Map.of(
                                        "HERALD_APPS_JDBC_URL",
                                        "jdbc:postgresql://db/h",
                                        "HERALD_APPS_JDBC_USER",
                                        "u",
                                        "HERALD_APPS_JDBC_PASSWORD",
                                        "p")))
                .contains(new JdbcDatabase("jdbc:postgresql://db/h", "u", "p"));
    }

    @Test
    void refusesANonJdbcUrlWithoutShowingItsPassword() {
        assertThatThrownBy(() -> JdbcDatabase.of("postgres://u:s3cret@db/herald"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HERALD_APPS_JDBC_URL must be a JDBC URL")
                .hasMessageNotContaining("s3cret");
    }
}
