package dev.herald.server;

import dev.herald.console.Console;
import dev.herald.console.ConsoleKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code herald console-link}: prints a fresh one-time sign-in link for the console of a node on
 * this machine. It signs the link with what the node signs with: the console token, or the key the
 * node generated and left in its key file (readable only by the node's user). No request is made:
 * the node checks the link when it is opened.
 */
@Command(
        name = "console-link",
        mixinStandardHelpOptions = true,
        description =
                "Print a one-time sign-in link for the console of a node running on this machine "
                        + "(it works once, for 10 minutes). Give the same settings as the node.")
final class ConsoleLinkCommand implements Callable<Integer> {

    @Option(
            names = "--console-token",
            defaultValue = "${env:HERALD_CONSOLE_TOKEN}",
            description = "The node's console token, if it has one (HERALD_CONSOLE_TOKEN).")
    String token;

    @Option(
            names = "--console-key-file",
            defaultValue = "${env:HERALD_CONSOLE_KEY_FILE}",
            description = "The node's key file (HERALD_CONSOLE_KEY_FILE).")
    Path keyFile;

    @Option(
            names = "--metrics-port",
            defaultValue = "${env:HERALD_METRICS_PORT:-9601}",
            description = "The node's metrics port (HERALD_METRICS_PORT).")
    int port;

    @Option(
            names = "--metrics-host",
            defaultValue = "${env:HERALD_METRICS_HOST:-${env:HERALD_HOST:-127.0.0.1}}",
            description = "The node's metrics address (HERALD_METRICS_HOST, else HERALD_HOST).")
    String host;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ConsoleKey key;
        if (token != null && !token.isBlank()) {
            key = ConsoleKey.ofToken(token);
        } else {
            Path file = Console.keyFile(keyFile, port);
            try {
                key = ConsoleKey.ofKeyText(Files.readString(file, StandardCharsets.US_ASCII));
            } catch (NoSuchFileException e) {
                err.println(
                        "herald console-link: no key file "
                                + file
                                + ": is a node running with --metrics-port "
                                + port
                                + " and no console token? (give --metrics-port or --console-key-file)");
                return ExitCode.SOFTWARE;
            } catch (IOException | IllegalArgumentException e) {
                err.println("herald console-link: cannot read " + file + ": " + e.getMessage());
                return ExitCode.SOFTWARE;
            }
        }
        String shownHost = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        out.println(
                "http://"
                        + (shownHost.contains(":") ? "[" + shownHost + "]" : shownHost)
                        + ":"
                        + port
                        + "/console/?link="
                        + key.newLink(System.currentTimeMillis()));
        out.flush();
        return ExitCode.OK;
    }
}
