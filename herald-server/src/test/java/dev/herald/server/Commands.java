package dev.herald.server;

import dev.herald.metrics.HeraldMetrics;
import java.util.stream.Stream;
import picocli.CommandLine;

/** The {@code herald} command line in tests, parsed exactly as {@link Main#main} parses it. */
final class Commands {

    private Commands() {}

    static Main parsed(String... args) {
        CommandLine command = Main.commandLine();
        command.parseArgs(args);
        return command.getCommand();
    }

    /**
     * A node for this JVM, not started: on 127.0.0.1 and a free port, with in-memory metrics and
     * {@code flags}.
     */
    static HeraldServer server(String... flags) {
        String[] args =
                Stream.concat(Stream.of("--host", "127.0.0.1", "--port", "0"), Stream.of(flags))
                        .toArray(String[]::new);
        return new HeraldServer(parsed(args).config(), HeraldMetrics.inMemory());
    }
}
