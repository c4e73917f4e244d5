package dev.herald.server;

import dev.herald.config.ConfigException;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.config.ServerSettings;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar herald-server.jar}: every setting is a flag, and each flag's default comes from
 * its {@code HERALD_*} environment variable, then from the built-in default. The flags are made
 * from the settings schema ({@link SettingOptions}); {@link ConfigLoader} reads them.
 */
@Command(
        name = "herald",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        subcommands = {AppsCommand.class, ConsoleLinkCommand.class, TrainingRunCommand.class},
        description =
                "A self-hosted real-time messaging server, wire-compatible with Pusher Channels.",
        sortOptions = false,
        showDefaultValues = true,
        modelTransformer = SettingOptions.class)
public final class Main implements Callable<Integer> {

    static final String DEFAULT_APP_SECRET = HeraldConfig.DEFAULT_APP_SECRET;
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        // first, so that nothing can run out of memory unguarded
        FatalErrors.halting().install();
        int exit = commandLine().execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** The {@code herald} command as {@link #main} runs it. */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setToggleBooleanFlags(false)
                .setParameterExceptionHandler(new UsageErrors());
    }

    HeraldConfig config() {
        return ConfigLoader.load(SettingOptions.source(spec));
    }

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Source source = SettingOptions.source(spec);
        String logLevel = (String) source.raw(ServerSettings.LOG_LEVEL);
        if (!LogFormat.level(logLevel)) {
            log.error(
                    "Invalid configuration: {} must be TRACE, DEBUG, INFO, WARN or ERROR, got {}",
                    ServerSettings.LOG_LEVEL.flag().subject(),
                    logLevel);
            return 2;
        }
        String logFormat = (String) source.raw(ServerSettings.LOG_FORMAT);
        if (!LogFormat.apply(logFormat)) {
            log.error(
                    "Invalid configuration: {} must be text or json, got {}",
                    ServerSettings.LOG_FORMAT.flag().subject(),
                    logFormat);
            return 2;
        }
        HeraldConfig config;
        try {
            config = config();
            config.refuseDefaultSecretWhenExposed(config.apps());
        } catch (ConfigException | IllegalArgumentException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            return 2;
        }
        if (config.apps().stream().anyMatch(a -> DEFAULT_APP_SECRET.equals(a.secret()))) {
            log.warn(
                    "The well-known default app secret is in use: anyone can sign requests. "
                            + "Set HERALD_APP_SECRET (or --app-secret) before exposing this server.");
        }
        log.info("Herald {} on Java {}", Version.of(), System.getProperty("java.version"));
        IdleMemory.Flags flags = IdleMemory.ofThisJvm();
        List<String> tuned = flags == null ? List.of() : IdleMemory.apply(flags);
        if (!tuned.isEmpty()) {
            log.info(
                    "G1 with its default heap settings: idle memory is returned after {} ms of quiet ({}); "
                            + "bin/herald's serial collector uses about a third of the memory per connection",
                    IdleMemory.PERIODIC_MILLIS,
                    String.join(", ", tuned));
        }
        HeraldServer server = new HeraldServer(config);
        CountDownLatch stop = new CountDownLatch(1);
        boolean handled = Signals.onTermination(stop::countDown);
        if (!handled) {
            // without signal handlers, at least drain on the JVM's own shutdown
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "herald-shutdown"));
        }
        try {
            server.start();
        } catch (ConfigException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            server.close();
            return 2;
        } catch (Exception e) {
            log.error("Cannot start: {}", e.getMessage() != null ? e.getMessage() : e.toString());
            server.close();
            return 1;
        }
        stop.await();
        log.info("Shutting down: draining connections over {} s", config.shutdownGraceSeconds());
        int status = 0;
        try {
            server.close();
        } catch (RuntimeException e) {
            // the process ends either way: a part that failed to stop must not keep it alive
            log.error("Stopping did not finish cleanly", e);
            status = 1;
        }
        log.info("Stopped");
        System.exit(status);
        return status;
    }
}
