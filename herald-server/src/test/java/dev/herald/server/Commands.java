package dev.herald.server;

import picocli.CommandLine;

/** The {@code herald} command line in tests, parsed exactly as {@link Main#main} parses it. */
final class Commands {

    private Commands() {}

    static Main parsed(String... args) {
        CommandLine command = Main.commandLine();
        command.parseArgs(args);
        return command.getCommand();
    }
}
