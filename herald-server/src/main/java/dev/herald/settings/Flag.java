package dev.herald.settings;

/**
 * Where a setting appears on the command line and in the environment, and its row in the tables of
 * {@code docs/configuration.md}.
 *
 * @param name the flag ({@code --port}); {@code null} for a setting read only from the environment
 * @param env the environment variable ({@code HERALD_PORT}) the flag's default comes from
 * @param label the flag's parameter label in {@code --help}, without the angle brackets
 * @param help the {@code --help} text, naming the environment variable
 * @param secret a value that may hold a password: {@code --help} never shows it and refusals mask
 *     it
 * @param defaultText the flag's default when it differs from the setting's ({@code app-id} for the
 *     default app's id, which the apps file requires); {@code null} otherwise
 * @param section the table of {@code docs/configuration.md} that lists it
 * @param docDefault the default as the docs table words it, when not simply the value; may be
 *     {@code null}
 * @param meaning the docs table's explanation
 */
public record Flag(
        String name,
        String env,
        String label,
        String help,
        boolean secret,
        String defaultText,
        String section,
        String docDefault,
        String meaning) {

    /** How a refusal names the setting: {@code --port (HERALD_PORT)}, or just the variable. */
    public String subject() {
        return name == null ? env : name + " (" + env + ")";
    }
}
