package dev.herald.server;

import dev.herald.apps.App;
import dev.herald.apps.AppFields;
import dev.herald.apps.AppIds;
import dev.herald.apps.AppSettings;
import dev.herald.apps.WebhookTarget;
import dev.herald.apps.jdbc.JdbcApps;
import dev.herald.apps.jdbc.JdbcAppsException;
import dev.herald.apps.jdbc.JdbcDatabase;
import dev.herald.apps.jdbc.StoredApp;
import java.io.PrintWriter;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code herald apps}: manages the apps of the {@code herald_apps} table that servers started with
 * {@code HERALD_APPS_JDBC_URL} serve. Running servers see a change within their refresh interval.
 *
 * <p>Secrets are printed once, by {@code create} and {@code rotate-secret}, and masked by {@code
 * list}. The database password is read from {@code HERALD_APPS_JDBC_PASSWORD} (or the URL), never
 * from a flag, so that it does not show in the process list or shell history.
 *
 * <p>Exit codes: 0 done, 1 no such app or the database failed, 2 bad usage.
 */
@Command(
        name = "apps",
        sortOptions = false,
        description = {
            "Create, list, disable, enable and rotate the secret of the apps in the database named by "
                    + "HERALD_APPS_JDBC_URL. Running servers see changes within their refresh interval (5 s)."
        },
        subcommands = {
            AppsCommand.Create.class,
            AppsCommand.ListApps.class,
            AppsCommand.Disable.class,
            AppsCommand.Enable.class,
            AppsCommand.RotateSecret.class
        })
public final class AppsCommand implements Callable<Integer> {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CREATE_ATTEMPTS = 5;

    private final Map<String, String> env;

    @Spec CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    public AppsCommand() {
        this(System.getenv());
    }

    /** For tests: the environment to read {@code HERALD_APPS_JDBC_PASSWORD} from. */
    AppsCommand(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** A fresh app id: ten digits, as Pusher's ids are numeric. */
    static String newId() {
        return Long.toString(1_000_000_000L + RANDOM.nextLong(9_000_000_000L));
    }

    /** A fresh key: 20 hex digits (80 bits), like Pusher's. Keys are public. */
    static String newKey() {
        return hex(10);
    }

    /** A fresh secret: 32 hex digits (128 bits) from {@link SecureRandom}. */
    static String newSecret() {
        return hex(16);
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * {@code ****} and the last 4 characters of a long secret, to tell secrets apart without
     * revealing them.
     */
    static String mask(String secret) {
        return secret.length() >= 16 ? "****" + secret.substring(secret.length() - 4) : "****";
    }

    /** The database options, on every subcommand. */
    static final class Database {

        @Option(
                names = "--jdbc-url",
                defaultValue = "${env:HERALD_APPS_JDBC_URL}",
                paramLabel = "URL",
                description =
                        "JDBC URL of the apps database (HERALD_APPS_JDBC_URL), e.g. "
                                + "jdbc:postgresql://db:5432/herald. The password comes from HERALD_APPS_JDBC_PASSWORD "
                                + "or the URL.")
        String url;

        @Option(
                names = "--jdbc-user",
                defaultValue = "${env:HERALD_APPS_JDBC_USER}",
                paramLabel = "USER",
                description = "Database user, unless in the URL (HERALD_APPS_JDBC_USER).")
        String user;
    }

    /** What every subcommand shares: the database, output streams, and error handling. */
    abstract static class Subcommand implements Callable<Integer> {

        @Mixin Database database;

        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @ParentCommand AppsCommand parent;

        @Spec CommandSpec spec;

        @Override
        public final Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if (database.url == null || database.url.isBlank()) {
                err.println(
                        "herald apps: no database; give --jdbc-url or set " + JdbcDatabase.URL_ENV);
                return ExitCode.USAGE;
            }
            try {
                JdbcApps apps =
                        new JdbcApps(
                                new JdbcDatabase(
                                        database.url.trim(),
                                        database.user,
                                        parent.env.get(JdbcDatabase.PASSWORD_ENV)));
                apps.createTable();
                return run(apps, spec.commandLine().getOut(), err);
            } catch (JdbcAppsException e) {
                err.println("herald apps: " + e.getMessage());
                return ExitCode.SOFTWARE;
            } catch (IllegalArgumentException e) {
                err.println("herald apps " + spec.name() + ": " + e.getMessage());
                return ExitCode.USAGE;
            } finally {
                spec.commandLine().getOut().flush();
                err.flush();
            }
        }

        abstract int run(JdbcApps apps, PrintWriter out, PrintWriter err);

        static int noSuchApp(PrintWriter err, String id) {
            err.println("herald apps: no app with id '" + id + "'");
            return ExitCode.SOFTWARE;
        }
    }

    @Command(
            name = "create",
            sortOptions = false,
            description =
                    "Add an app. An id, key and secret not given are generated (the secret from a secure "
                            + "random source); the secret is printed this once.")
    static final class Create extends Subcommand {

        @Option(names = "--id", description = "App id (default: 10 random digits).")
        String id;

        @Option(names = "--key", description = "App key (default: 20 random hex digits).")
        String key;

        @Option(
                names = "--secret",
                description =
                        "App secret (default: 32 random hex digits). Prefer the "
                                + "default: a secret given here stays in your shell history.")
        String secret;

        @Option(names = "--disabled", description = "Create the app disabled.")
        boolean disabled;

        @Option(
                names = "--set",
                paramLabel = "FIELD=VALUE",
                description =
                        "A feature or limit, named as in the "
                                + "YAML apps file: client_events=false, max_connections=500, cache_ttl=60, "
                                + "allowed_origins=https://a.example,https://*.b.example, "
                                + "history='[{\"channels\":\"private-build-\",\"size\":200,\"ttl_seconds\":600}]' "
                                + "(a JSON array) ... Repeatable.")
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(
                names = "--webhook",
                paramLabel = "URL",
                description = "Send every webhook of the app to this " + "http(s) URL. Repeatable.")
        List<String> webhooks = new ArrayList<>();

        @Override
        int run(JdbcApps apps, PrintWriter out, PrintWriter err) {
            if (id != null && !AppIds.isValid(id)) {
                throw new IllegalArgumentException("--id: " + AppIds.problem(id));
            }
            check("--key", key);
            if (secret != null && (secret.isEmpty() || secret.length() > 255 || secret.isBlank())) {
                throw new IllegalArgumentException("--secret must be 1 to 255 characters");
            }
            List<WebhookTarget> targets = new ArrayList<>();
            for (String url : webhooks) {
                try {
                    targets.add(WebhookTarget.all(URI.create(url.trim())));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--webhook: " + e.getMessage());
                }
            }
            for (int attempt = 1; ; attempt++) {
                App app =
                        AppFields.apply(
                                        App.of(
                                                id != null ? id : newId(),
                                                key != null ? key : newKey(),
                                                secret != null ? secret : newSecret()),
                                        settings)
                                .withEnabled(!disabled)
                                .withWebhooks(targets);
                try {
                    apps.insert(app);
                } catch (JdbcAppsException e) {
                    boolean generated = id == null || key == null;
                    if (e.conflict() && generated && attempt < CREATE_ATTEMPTS) {
                        continue; // a generated id or key collided: draw again
                    }
                    throw e;
                }
                out.println("id:     " + app.id());
                out.println("key:    " + app.key());
                out.println("secret: " + app.secret());
                err.println(
                        "Created app "
                                + app.id()
                                + (disabled ? " (disabled)" : "")
                                + ". Its secret is shown "
                                + "only this once. Running servers serve it within their refresh interval.");
                return ExitCode.OK;
            }
        }

        private static void check(String option, String value) {
            if (value != null && !NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(
                        option + " must be 1 to 255 of A-Z a-z 0-9 . _ -, got '" + value + "'");
            }
        }
    }

    @Command(
            name = "list",
            sortOptions = false,
            description =
                    "List the apps, secrets masked, with the features and limits that differ from the "
                            + "defaults.")
    static final class ListApps extends Subcommand {

        @Override
        int run(JdbcApps apps, PrintWriter out, PrintWriter err) {
            List<StoredApp> rows = apps.list();
            if (rows.isEmpty()) {
                err.println(
                        "No apps in "
                                + apps.database().redactedUrl()
                                + "; add one with 'herald apps create'.");
                return ExitCode.OK;
            }
            List<String[]> table = new ArrayList<>();
            table.add(new String[] {"ID", "KEY", "SECRET", "ENABLED", "SETTINGS"});
            for (StoredApp row : rows) {
                App app = row.app();
                if (app == null) {
                    table.add(new String[] {row.id(), "-", "-", "-", "INVALID: " + row.problem()});
                    continue;
                }
                String settings =
                        AppFields.changed(app).entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .collect(Collectors.joining(" "));
                if (!app.webhooks().isEmpty()) {
                    settings =
                            (settings.isEmpty() ? "" : settings + " ")
                                    + AppSettings.WEBHOOKS.name()
                                    + "="
                                    + AppSettings.WEBHOOKS.type().text(app.webhooks());
                }
                table.add(
                        new String[] {
                            app.id(),
                            app.key(),
                            mask(app.secret()),
                            String.valueOf(app.enabled()),
                            settings
                        });
            }
            print(out, table);
            return ExitCode.OK;
        }

        private static void print(PrintWriter out, List<String[]> table) {
            int[] width = new int[table.get(0).length];
            for (String[] row : table) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : table) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(
                            i == row.length - 1
                                    ? row[i]
                                    : String.format("%-" + width[i] + "s  ", row[i]));
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }

    @Command(
            name = "disable",
            description =
                    "Disable an app: running servers refuse its new connections and API requests within "
                            + "their refresh interval.")
    static final class Disable extends Subcommand {

        @Parameters(paramLabel = "ID", description = "The app id.")
        String id;

        @Override
        int run(JdbcApps apps, PrintWriter out, PrintWriter err) {
            if (!apps.setEnabled(id, false)) {
                return noSuchApp(err, id);
            }
            out.println("Disabled app " + id + ".");
            return ExitCode.OK;
        }
    }

    @Command(name = "enable", description = "Enable a disabled app.")
    static final class Enable extends Subcommand {

        @Parameters(paramLabel = "ID", description = "The app id.")
        String id;

        @Override
        int run(JdbcApps apps, PrintWriter out, PrintWriter err) {
            if (!apps.setEnabled(id, true)) {
                return noSuchApp(err, id);
            }
            out.println("Enabled app " + id + ".");
            return ExitCode.OK;
        }
    }

    @Command(
            name = "rotate-secret",
            description =
                    "Give an app a new secret and print it this once. Running servers accept only the new "
                            + "secret within their refresh interval: update your backends with it.")
    static final class RotateSecret extends Subcommand {

        @Parameters(paramLabel = "ID", description = "The app id.")
        String id;

        @Option(
                names = "--secret",
                description =
                        "The new secret (default: 32 random hex digits). Prefer the "
                                + "default: a secret given here stays in your shell history.")
        String secret;

        @Override
        int run(JdbcApps apps, PrintWriter out, PrintWriter err) {
            if (secret != null && (secret.isBlank() || secret.length() > 255)) {
                throw new IllegalArgumentException("--secret must be 1 to 255 characters");
            }
            String next = Objects.requireNonNullElseGet(secret, AppsCommand::newSecret);
            if (!apps.setSecret(id, next)) {
                return noSuchApp(err, id);
            }
            out.println("secret: " + next);
            err.println("New secret for app " + id + ", shown only this once.");
            return ExitCode.OK;
        }
    }
}
