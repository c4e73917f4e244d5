package dev.herald.server;

import dev.herald.config.ServerSettings;
import dev.herald.settings.Setting;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What the {@code herald} command prints for a command line it cannot read: one line that names
 * where the bad value came from (the flag, or the {@code HERALD_*} variable when no flag gave it)
 * and, for an unknown option, the nearest known one; then a pointer to {@code --help} instead of
 * the whole usage text. Exit status 2, as for every configuration error.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {

    static final int EXIT = 2;

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println(message(e, args));
        err.flush();
        return EXIT;
    }

    static String message(ParameterException e, String[] args) {
        String help = " See " + e.getCommandLine().getCommandName() + " --help.";
        if (e instanceof UnmatchedArgumentException unmatched) {
            String given =
                    unmatched.getUnmatched().isEmpty() ? "" : unmatched.getUnmatched().get(0);
            if (!given.startsWith("-")) {
                return "Unexpected argument '" + given + "'." + help;
            }
            String name = given.contains("=") ? given.substring(0, given.indexOf('=')) : given;
            String nearest = nearest(name, e.getCommandLine().getCommandSpec().options());
            return "Unknown option '"
                    + name
                    + "'"
                    + (nearest == null ? "." : "; did you mean " + nearest + "?")
                    + help;
        }
        if (e.getArgSpec() instanceof OptionSpec option && !given(option, args)) {
            String env = variableOf(option);
            if (env != null) {
                return "Invalid value for "
                        + env
                        + " (the variable of "
                        + option.longestName()
                        + "): "
                        + problem(e)
                        + "."
                        + help;
            }
        }
        return e.getMessage() + "." + help;
    }

    /** The part of picocli's message after the option's name: {@code 'abc' is not an int}. */
    private static String problem(ParameterException e) {
        String text = e.getMessage();
        int at = text.indexOf("': ");
        return at < 0 ? text : text.substring(at + 3);
    }

    private static boolean given(OptionSpec option, String[] args) {
        return Arrays.stream(args)
                .anyMatch(
                        arg ->
                                Arrays.stream(option.names())
                                        .anyMatch(
                                                name ->
                                                        arg.equals(name)
                                                                || arg.startsWith(name + "=")));
    }

    private static String variableOf(OptionSpec option) {
        return ServerSettings.commandLine().stream()
                .map(Setting::flag)
                .filter(flag -> option.longestName().equals(flag.name()))
                .map(flag -> flag.env())
                .findFirst()
                .orElse(null);
    }

    /** The known option closest to a mistyped one, if it is close enough to be the one meant. */
    static String nearest(String given, List<OptionSpec> options) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (OptionSpec option : options) {
            for (String name : option.names()) {
                int distance = distance(given, name);
                if (distance < bestDistance) {
                    best = name;
                    bestDistance = distance;
                }
            }
        }
        int allowed = Math.max(2, given.length() / 4);
        return bestDistance <= allowed ? best : null;
    }

    /** Edits (insert, delete, replace, swap two neighbours) from one string to the other. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] =
                        Math.min(
                                Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1
                        && j > 1
                        && a.charAt(i - 1) == b.charAt(j - 2)
                        && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
