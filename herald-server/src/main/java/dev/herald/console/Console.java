package dev.herald.console;

import dev.herald.activity.ActivityFeed;
import dev.herald.activity.StatsHistory;
import dev.herald.apps.AppStore;
import dev.herald.apps.jdbc.JdbcApps;
import dev.herald.broker.Broker;
import dev.herald.cluster.ClusterView;
import dev.herald.config.HeraldConfig;
import dev.herald.http.ApiException;
import dev.herald.http.EventsApi;
import dev.herald.http.OpsRouter;
import dev.herald.hub.Hub;
import dev.herald.internal.GuardedExecutor;
import dev.herald.metrics.HeraldMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console of one node: its key, the sampler that feeds the charts, and the route the ops port
 * mounts at {@code /console}. Built and closed by the composition root.
 */
public final class Console implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Console.class);

    /**
     * What the console reads and changes, wired by the composition root.
     *
     * @param clustered whether the node is one of a cluster (Redis), however many are live now
     */
    public record Parts(
            String node,
            boolean clustered,
            AppStore apps,
            JdbcApps jdbc,
            Runnable appsChanged,
            ClusterView view,
            Hub hub,
            Broker broker,
            EventsApi events,
            StatsHistory history,
            ActivityFeed feed,
            Webhooks webhooks,
            IntSupplier liveNodes,
            HeraldMetrics metrics) {}

    /** The webhooks' deliveries and replays, as the console shows them. */
    public interface Webhooks {

        /** Each target's recent deliveries, the failed batches kept for replay, and the drops. */
        Object report(String appId);

        /**
         * Sends a failed batch again.
         *
         * @throws ApiException 404 for an unknown batch, 409 for one that cannot be replayed
         */
        Object replay(String appId, String batchId) throws ApiException;
    }

    private final HeraldConfig.Console settings;
    private final Parts parts;
    private ConsoleKey key;
    private Path keyFile;

    /** The console's thread: the charts' sampling and the reads that wait for Redis. */
    private GuardedExecutor worker;

    private ConsoleRouter router;
    private ConsoleApi api;

    public Console(HeraldConfig.Console settings, Parts parts) {
        this.settings = settings;
        this.parts = parts;
    }

    /**
     * Draws the key (or takes the token), starts sampling, and makes the route.
     *
     * @param opsPort the ops port as configured, for the key file's default name
     */
    public Console start(int opsPort) {
        if (settings.token() != null) {
            key = ConsoleKey.ofToken(settings.token());
        } else {
            key = ConsoleKey.generated();
            keyFile =
                    settings.keyFile() != null || opsPort != 0
                            ? keyFile(settings.keyFile(), opsPort)
                            // a port drawn at bind time names no file anyone could find
                            : keyFile(null, 0)
                                    .resolveSibling("herald-console-" + parts.node() + ".key");
            writeKey(keyFile, key);
        }
        worker = GuardedExecutor.singleThread("herald-console");
        new StatsSampler(parts.node(), parts.apps(), parts.hub(), parts.history()).start(worker);
        api =
                new ConsoleApi(
                        parts,
                        key::csrfValue,
                        settings.maxViewers(),
                        parts.metrics().consoleEventsDropped(),
                        worker);
        parts.metrics().consoleViewers(api::viewers);
        router = new ConsoleRouter(key, api);
        return this;
    }

    public OpsRouter.Route route() {
        return router;
    }

    /** A one-time sign-in path ({@code /console/?link=…}), or the token's path hint. */
    public String signInPath() {
        return key.hasToken()
                ? "/console/?token=<HERALD_CONSOLE_TOKEN>"
                : "/console/?link=" + key.newLink(System.currentTimeMillis());
    }

    /** The key file a node without a token writes, where {@code herald console-link} reads it. */
    public static Path keyFile(Path configured, int opsPort) {
        return configured != null
                ? configured
                : Path.of(
                        System.getProperty("java.io.tmpdir"), "herald-console-" + opsPort + ".key");
    }

    private static void writeKey(Path file, ConsoleKey key) {
        try {
            Files.deleteIfExists(file);
            try {
                Files.createFile(
                        file,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, key.keyText() + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException(
                    "console key file " + file + " appeared while written", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the console key file " + file, e);
        }
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.shutdownNow();
        }
        if (keyFile != null) {
            try {
                Files.deleteIfExists(keyFile);
            } catch (IOException e) {
                log.warn("Could not remove the console key file {}", keyFile, e);
            }
        }
    }
}
