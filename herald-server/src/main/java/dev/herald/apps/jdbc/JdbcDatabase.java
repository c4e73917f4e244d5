package dev.herald.apps.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where the apps table lives: a JDBC URL, and optionally a user and password given apart from it.
 *
 * <p>{@link #toString()} and {@link #redact(String)} hide the password, whether it was given apart
 * or inside the URL ({@code ?password=}, {@code ;PASSWORD=}, {@code //user:password@}).
 *
 * @param url {@code jdbc:postgresql://db/herald}, {@code jdbc:h2:file:./herald-apps}, ...
 * @param user nullable; the URL may carry it instead
 * @param password nullable; the URL may carry it instead
 */
public record JdbcDatabase(String url, String user, String password) {

    public static final String URL_ENV = "HERALD_APPS_JDBC_URL";
    public static final String USER_ENV = "HERALD_APPS_JDBC_USER";
    public static final String PASSWORD_ENV = "HERALD_APPS_JDBC_PASSWORD";

    private static final Pattern PASSWORD_PARAMETER =
            Pattern.compile("(?i)\\b(password|passwd|pwd)=([^&;]*)");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@;?]*):([^@/]*)@");
    private static final String MASK = "****";

    public JdbcDatabase {
        Objects.requireNonNull(url, "url");
        if (!url.startsWith("jdbc:")) {
            throw new IllegalArgumentException(
                    URL_ENV
                            + " must be a JDBC URL such as "
                            + "jdbc:postgresql://host:5432/herald or jdbc:h2:file:./herald-apps, got '"
                            + redact(url, password)
                            + "'");
        }
        user = blankToNull(user);
        password = blankToNull(password);
    }

    public static JdbcDatabase of(String url) {
        return new JdbcDatabase(url, null, null);
    }

    /**
     * The database named by {@code HERALD_APPS_JDBC_URL} (with {@code HERALD_APPS_JDBC_USER} and
     * {@code HERALD_APPS_JDBC_PASSWORD}), or empty when the URL is unset or blank.
     */
    public static Optional<JdbcDatabase> fromEnvironment(Map<String, String> env) {
        String url = blankToNull(env.get(URL_ENV));
        return url == null
                ? Optional.empty()
                : Optional.of(
                        new JdbcDatabase(url.trim(), env.get(USER_ENV), env.get(PASSWORD_ENV)));
    }

    /** Opens a new connection; the caller closes it. Blocks: never call on an event loop. */
    public Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(url, properties);
    }

    /** The URL with any password in it masked, for logs and messages. */
    public String redactedUrl() {
        return redact(url);
    }

    /** This text (an error message, say) with the password masked wherever it appears. */
    public String redact(String text) {
        return redact(text, password);
    }

    private static String redact(String text, String password) {
        if (text == null) {
            return null;
        }
        String out = PASSWORD_PARAMETER.matcher(text).replaceAll("$1=" + MASK);
        out = USER_INFO.matcher(out).replaceAll("$1:" + MASK + "@");
        if (password != null && !password.isBlank()) {
            out = out.replace(password, MASK);
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "JdbcDatabase["
                + redactedUrl()
                + (user == null ? "" : ", user=" + user)
                + (password == null ? "" : ", password=" + MASK)
                + "]";
    }
}
