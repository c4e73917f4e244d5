package dev.herald.example.ci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Settings of the dashboard. Every setting is an environment variable and a flag; flags win.
 * Herald's own variable names (HERALD_HOST, HERALD_PORT, HERALD_APP_ID, HERALD_APP_KEY,
 * HERALD_APP_SECRET) are reused so that one environment can configure both processes.
 */
public record Config(
        String heraldHost,
        int heraldPort,
        String heraldWsHost,
        int heraldWsPort,
        String appId,
        String appKey,
        String appSecret,
        String bindHost,
        int port,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        boolean demo,
        long demoIntervalMillis,
        long lineIntervalMillis) {

    public static final String DEFAULT_JDBC_URL = "jdbc:h2:mem:ci-dashboard;DB_CLOSE_DELAY=-1";

    /** One setting: flag name, environment variable, default, help text. */
    private record Option(String flag, String env, String def, String help) {}

    private static final List<Option> OPTIONS =
            List.of(
                    new Option(
                            "herald-host",
                            "HERALD_HOST",
                            "127.0.0.1",
                            "Herald host for the HTTP API (0.0.0.0 means 127.0.0.1)"),
                    new Option(
                            "herald-port",
                            "HERALD_PORT",
                            "6001",
                            "Herald port (HTTP API and WebSocket)"),
                    new Option(
                            "herald-ws-host",
                            "HERALD_WS_HOST",
                            "",
                            "host the browser connects to [herald-host]"),
                    new Option(
                            "herald-ws-port",
                            "HERALD_WS_PORT",
                            "",
                            "port the browser connects to [herald-port]"),
                    new Option("app-id", "HERALD_APP_ID", "app-id", "Herald app id"),
                    new Option("app-key", "HERALD_APP_KEY", "app-key", "Herald app key"),
                    new Option(
                            "app-secret", "HERALD_APP_SECRET", "app-secret", "Herald app secret"),
                    new Option(
                            "bind",
                            "CI_DASHBOARD_BIND",
                            "127.0.0.1",
                            "address the dashboard listens on"),
                    new Option(
                            "port",
                            "CI_DASHBOARD_PORT",
                            "8080",
                            "port the dashboard listens on (0: any free port)"),
                    new Option(
                            "jdbc-url",
                            "CI_DASHBOARD_JDBC_URL",
                            DEFAULT_JDBC_URL,
                            "JDBC URL (H2 embedded by default; e.g. jdbc:postgresql://localhost/ci)"),
                    new Option("jdbc-user", "CI_DASHBOARD_JDBC_USER", "", "JDBC user"),
                    new Option("jdbc-password", "CI_DASHBOARD_JDBC_PASSWORD", "", "JDBC password"),
                    new Option(
                            "demo",
                            "CI_DASHBOARD_DEMO",
                            "true",
                            "start builds by themselves (true/false; --no-demo)"),
                    new Option(
                            "demo-interval-ms",
                            "CI_DASHBOARD_DEMO_INTERVAL_MS",
                            "4000",
                            "mean pause between demo builds"),
                    new Option(
                            "line-interval-ms",
                            "CI_DASHBOARD_LINE_INTERVAL_MS",
                            "400",
                            "mean pause between build output lines"));

    public static Config defaults() {
        return parse(new String[0], Map.of());
    }

    /**
     * Parses flags (--name value, --name=value, --no-demo) over environment variables over
     * defaults.
     */
    public static Config parse(String[] args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            String v = env.get(o.env());
            values.put(o.flag(), v != null && !v.isBlank() ? v.trim() : o.def());
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("no-demo") && value == null) {
                values.put("demo", "false");
                continue;
            }
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("unknown flag: --" + name + " (see --help)");
            }
            if (value == null) {
                if (name.equals("demo") && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("flag --" + name + " needs a value");
                }
            }
            values.put(name, value);
        }
        Function<String, String> v = values::get;
        String heraldHost = v.apply("herald-host");
        if (heraldHost.equals("0.0.0.0") || heraldHost.equals("::") || heraldHost.isBlank()) {
            heraldHost = "127.0.0.1";
        }
        int heraldPort = intValue("herald-port", v.apply("herald-port"));
        String wsHost =
                v.apply("herald-ws-host").isBlank() ? heraldHost : v.apply("herald-ws-host");
        int wsPort =
                v.apply("herald-ws-port").isBlank()
                        ? heraldPort
                        : intValue("herald-ws-port", v.apply("herald-ws-port"));
        return new Config(
                heraldHost,
                heraldPort,
                wsHost,
                wsPort,
                v.apply("app-id"),
                v.apply("app-key"),
                v.apply("app-secret"),
                v.apply("bind"),
                intValue("port", v.apply("port")),
                v.apply("jdbc-url"),
                v.apply("jdbc-user"),
                v.apply("jdbc-password"),
                boolValue("demo", v.apply("demo")),
                intValue("demo-interval-ms", v.apply("demo-interval-ms")),
                intValue("line-interval-ms", v.apply("line-interval-ms")));
    }

    public static String help() {
        StringBuilder sb =
                new StringBuilder(
                        "Usage: java -jar ci-dashboard.jar [flags]\n\n"
                                + "Every flag also exists as an environment variable; flags win.\n\n");
        for (Option o : OPTIONS) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "  --%-18s %-30s %s%s%n",
                            o.flag(),
                            o.env(),
                            o.help(),
                            o.def().isEmpty() ? "" : " [" + o.def() + "]"));
        }
        return sb.toString();
    }

    /** The same config with other values; handy for tests. */
    public Config withPort(int newPort) {
        return new Config(
                heraldHost,
                heraldPort,
                heraldWsHost,
                heraldWsPort,
                appId,
                appKey,
                appSecret,
                bindHost,
                newPort,
                jdbcUrl,
                jdbcUser,
                jdbcPassword,
                demo,
                demoIntervalMillis,
                lineIntervalMillis);
    }

    public static List<String> flagNames() {
        List<String> names = new ArrayList<>();
        OPTIONS.forEach(o -> names.add(o.flag()));
        return names;
    }

    private static int intValue(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + name + " needs a number, got '" + value + "'");
        }
    }

    private static boolean boolValue(String name, String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                throw new IllegalArgumentException(
                        "--" + name + " needs true or false, got '" + value + "'");
        }
    }
}
