package dev.herald.apps.jdbc;

/**
 * The apps database could not do what was asked. The message names the database (password masked)
 * and the cause, and never contains a secret.
 */
public final class JdbcAppsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean conflict;

    JdbcAppsException(String message, boolean conflict) {
        super(message);
        this.conflict = conflict;
    }

    /** Whether the write broke a uniqueness rule (an app with that id or key exists already). */
    public boolean conflict() {
        return conflict;
    }
}
