package dev.herald.config;

import dev.herald.apps.AppSettings;
import dev.herald.settings.Flag;
import dev.herald.settings.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings tables of {@code docs/configuration.md}, written from the schema. Each table sits
 * between {@code <!-- settings: SECTION -->} and {@code <!-- /settings -->}; {@code app} is the
 * table of the apps file's keys, any other section lists the flags of that section.
 *
 * <p>{@code java -cp herald-server.jar dev.herald.config.SettingsDocs docs/configuration.md}
 * rewrites the tables after a setting is added or changed; a test fails while they are stale.
 */
public final class SettingsDocs {

    public static final String APP = "app";
    private static final Pattern TABLE =
            Pattern.compile(
                    "(<!-- settings: ([a-z-]+) -->\n)(.*?)(<!-- /settings -->)", Pattern.DOTALL);

    private SettingsDocs() {}

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "docs/configuration.md");
        Files.writeString(
                file,
                update(Files.readString(file, StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
    }

    /**
     * Every section that has a table: the flags' sections, in order of first use, then {@link
     * #APP}.
     */
    public static Set<String> sections() {
        Set<String> sections = new LinkedHashSet<>();
        for (Setting<?> setting : ServerSettings.commandLine()) {
            sections.add(setting.flag().section());
        }
        sections.add(APP);
        return sections;
    }

    /**
     * The document with every marked table written anew.
     *
     * @throws IllegalArgumentException for a section with no table, or a table of no section
     */
    public static String update(String markdown) {
        Set<String> missing = new LinkedHashSet<>(sections());
        Matcher m = TABLE.matcher(markdown);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String section = m.group(2);
            if (!missing.remove(section)) {
                throw new IllegalArgumentException(
                        "a settings table of no (or a repeated) section: " + section);
            }
            m.appendReplacement(
                    out, Matcher.quoteReplacement(m.group(1) + table(section) + m.group(4)));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no settings table for the sections " + missing);
        }
        return out.toString();
    }

    /** One table in Markdown, ending with a line break. */
    public static String table(String section) {
        StringBuilder out = new StringBuilder();
        if (section.equals(APP)) {
            out.append("| key | default | the default app's flag | meaning |\n|---|---|---|---|\n");
            for (Setting<?> setting : AppSettings.all()) {
                Flag flag = setting.flag();
                out.append("| `")
                        .append(setting.name())
                        .append("` | ")
                        .append(appDefault(setting))
                        .append(" | ")
                        .append(flag == null ? "—" : "`" + flag.name() + "`")
                        .append(" | ")
                        .append(setting.meaning())
                        .append(" |\n");
            }
            return out.toString();
        }
        out.append("| flag | environment | default | meaning |\n|---|---|---|---|\n");
        List<Setting<?>> rows =
                ServerSettings.commandLine().stream()
                        .filter(s -> section.equals(s.flag().section()))
                        .toList();
        for (Setting<?> setting : rows) {
            Flag flag = setting.flag();
            out.append("| ")
                    .append(flag.name() == null ? "—" : "`" + flag.name() + "`")
                    .append(" | `")
                    .append(flag.env())
                    .append("` | ")
                    .append(flagDefault(setting))
                    .append(" | ")
                    .append(flag.meaning())
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String flagDefault(Setting<?> setting) {
        if (setting.flag().docDefault() != null) {
            return setting.flag().docDefault();
        }
        String value = setting.flagDefault();
        return value == null ? "none" : "`" + value + "`";
    }

    private static <T> String appDefault(Setting<T> setting) {
        if (setting.flag() != null && setting.flag().docDefault() != null) {
            return setting.flag().docDefault();
        }
        if (setting.defaultValue() == null) {
            return "required";
        }
        String value = setting.type().text(setting.defaultValue());
        return value.isEmpty() ? "none" : "`" + value + "`";
    }
}
