package dev.herald.server;

import dev.herald.config.ConfigException;
import dev.herald.metrics.HeraldMetrics;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code herald [settings] training-run}: starts the server with the given settings, which include
 * its start-up warm-up, stops it and exits. {@code bin/herald} runs it under {@code
 * -XX:ArchiveClassesAtExit} so that the JVM writes an archive of every class the start and the
 * WebSocket path load; later starts map that archive instead of loading those classes one by one.
 * Hidden: it is a step of the launcher, not a command for people.
 */
@Command(
        name = "training-run",
        hidden = true,
        description = "Start, run the warm-up, stop (bin/herald's class data archive).")
final class TrainingRunCommand implements Callable<Integer> {

    @ParentCommand Main main;

    @Override
    public Integer call() throws Exception {
        HeraldServer server;
        try {
            server = new HeraldServer(main.config(), HeraldMetrics.inMemory());
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("training run: invalid configuration: " + e.getMessage());
            return 2;
        }
        try {
            server.start();
        } finally {
            server.close();
        }
        WarmUp.Result warm = server.warmedUp();
        System.err.println(
                "training run: "
                        + (warm == null
                                ? "no warm-up"
                                : warm.connections()
                                        + " warm-up connections, "
                                        + warm.failed()
                                        + " failed"));
        // at once, whatever threads are left: the JVM writes the archive as it exits
        System.exit(0);
        return 0;
    }
}
