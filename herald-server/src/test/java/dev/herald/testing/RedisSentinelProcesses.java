package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Redis Sentinel setup on 127.0.0.1 for tests: a master, one replica of it and three
 * sentinels watching it as {@value #MASTER_NAME} with a quorum of two, each a redis-server process
 * of its own on a free port, in its own directory under {@code target/}, without persistence. A
 * sentinel rewrites its configuration file as it learns, so each gets a writable copy of its own.
 * {@link #start} returns once the replica is linked and every sentinel knows the replica and the
 * two other sentinels, so that a failover can be authorised as soon as the master is gone.
 *
 * <p>A master is declared down after 1 s without an answer. Processes are ended by PID in {@link
 * #close()} (and by a shutdown hook if the JVM exits first); directories and logs stay.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class RedisSentinelProcesses implements AutoCloseable {

    /** The name the sentinels know the master by. */
    public static final String MASTER_NAME = "mymaster";

    private static final int SENTINELS = 3;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final Map<Integer, RedisProcess> servers = new LinkedHashMap<>();
    private final Map<Integer, RedisProcess> sentinels = new LinkedHashMap<>();
    private final Set<Integer> takenPorts = new HashSet<>();
    private int killedMaster = -1;
    private long killedAtNanos;

    private RedisSentinelProcesses(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts the master, its replica and the three sentinels and waits until they are ready for a
     * failover. {@code name} (letters, digits, '-', '_'; at most 40) names the directory under
     * {@code target/}.
     */
    public static RedisSentinelProcesses start(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name must be 1 to 40 letters, digits, '-' or '_': " + name);
        }
        Path dir;
        try {
            Path target = HeraldProcess.targetDirectory();
            Files.createDirectories(target);
            dir = Files.createTempDirectory(target, "redis-sentinel-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisSentinelProcesses setup = new RedisSentinelProcesses(dir);
        try {
            setup.create();
            return setup;
        } catch (RuntimeException | Error e) {
            setup.close();
            throw e;
        }
    }

    private void create() {
        int master = startServer(-1);
        int replica = startServer(master);
        for (int i = 0; i < SENTINELS; i++) {
            startSentinel(master);
        }
        RedisProcess.until(
                "the replica linked and the sentinels ready",
                READY_WITHIN,
                () -> notReady(master, replica));
    }

    /** Starts a redis-server, a replica of {@code masterPort} unless that is -1; its port. */
    private int startServer(int masterPort) {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path serverDir = dir.resolve("redis-" + port);
            List<String> arguments =
                    new ArrayList<>(
                            List.of(
                                    "--port",
                                    Integer.toString(port),
                                    "--bind",
                                    RedisProcess.HOST,
                                    "--daemonize",
                                    "no",
                                    "--dir",
                                    serverDir.toString(),
                                    "--save",
                                    "",
                                    "--appendonly",
                                    "no",
                                    // a replica's first sync starts at once, not after 5 s
                                    "--repl-diskless-sync-delay",
                                    "0"));
            if (masterPort != -1) {
                arguments.addAll(
                        List.of("--replicaof", RedisProcess.HOST, Integer.toString(masterPort)));
            }
            RedisProcess server = new RedisProcess(port, serverDir, arguments);
            try {
                server.start();
                servers.put(port, server);
                return port;
            } catch (IllegalStateException e) {
                server.close(); // the port was taken between freePort() and the bind
                failure = e;
            }
        }
        throw failure;
    }

    private void startSentinel(int masterPort) {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path sentinelDir = dir.resolve("sentinel-" + port);
            Path conf = sentinelDir.resolve("sentinel-" + port + ".conf");
            try {
                Files.createDirectories(sentinelDir);
                Files.writeString(
                        conf,
                        String.join(
                                "\n",
                                "port " + port,
                                "bind " + RedisProcess.HOST,
                                "daemonize no",
                                "dir " + sentinelDir,
                                "sentinel resolve-hostnames no",
                                "sentinel monitor "
                                        + MASTER_NAME
                                        + " "
                                        + RedisProcess.HOST
                                        + " "
                                        + masterPort
                                        + " 2",
                                "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                                "sentinel failover-timeout " + MASTER_NAME + " 3000",
                                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                                ""),
                        StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            RedisProcess sentinel =
                    new RedisProcess(port, sentinelDir, List.of(conf.toString(), "--sentinel"));
            try {
                sentinel.start();
                sentinels.put(port, sentinel);
                return;
            } catch (IllegalStateException e) {
                sentinel.close();
                failure = e;
            }
        }
        throw failure;
    }

    private int freePort() {
        for (int i = 0; i < 100; i++) {
            int port = ServerJar.freePort();
            if (takenPorts.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port not used already");
    }

    /**
     * Lettuce's URI for the master through the sentinels: {@code
     * redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/0#mymaster}.
     */
    public String url() {
        return "redis-sentinel://"
                + sentinels.keySet().stream()
                        .map(port -> RedisProcess.HOST + ":" + port)
                        .collect(Collectors.joining(","))
                + "/0#"
                + MASTER_NAME;
    }

    /** The sentinels' ports. */
    public List<Integer> sentinelPorts() {
        return List.copyOf(sentinels.keySet());
    }

    /** The master and the replica, by port, running or not. */
    public List<Integer> serverPorts() {
        return List.copyOf(servers.keySet());
    }

    /** The master's port as the first sentinel that answers has it. */
    public int masterPort() {
        RuntimeException failure = null;
        for (RedisProcess sentinel : sentinels.values()) {
            try {
                return masterPortSeenBy(sentinel);
            } catch (UncheckedIOException | RedisProcess.RedisError e) {
                failure = e;
            }
        }
        throw new IllegalStateException("no sentinel answers", failure);
    }

    /** Ends the current master with SIGKILL, as a crash would; its port. */
    public int killMaster() {
        int port = masterPort();
        RedisProcess master = servers.get(port);
        if (master == null || !master.alive()) {
            throw new IllegalStateException("the master on " + port + " is not running");
        }
        killedMaster = port;
        killedAtNanos = System.nanoTime();
        master.kill();
        return port;
    }

    /**
     * Waits until every sentinel names a running server other than the killed one as the master and
     * that server says it is one.
     *
     * @return the new master and the time from the kill until then
     */
    public RedisFailover awaitFailover() {
        if (killedMaster == -1) {
            throw new IllegalStateException("no master was killed by killMaster");
        }
        int old = killedMaster;
        RedisProcess.until(
                "a sentinel failover away from " + old,
                FAILOVER_WITHIN,
                () -> {
                    Set<Integer> named = new HashSet<>();
                    for (RedisProcess sentinel : sentinels.values()) {
                        try {
                            named.add(masterPortSeenBy(sentinel));
                        } catch (UncheckedIOException | RedisProcess.RedisError e) {
                            return sentinel.port() + ": " + e;
                        }
                    }
                    if (named.size() != 1) {
                        return "the sentinels name " + named;
                    }
                    int port = named.iterator().next();
                    if (port == old) {
                        return "the sentinels still name " + old;
                    }
                    RedisProcess master = servers.get(port);
                    if (master == null || !master.alive()) {
                        return "the sentinels name " + port + ", which is not running";
                    }
                    String role = master.info("replication").get("role");
                    return "master".equals(role) ? null : port + " says role:" + role;
                });
        Duration took = Duration.ofNanos(System.nanoTime() - killedAtNanos);
        killedMaster = -1;
        return new RedisFailover(old, masterPort(), took);
    }

    /** Kills every process by PID. Directories, logs and rewritten configurations stay. */
    @Override
    public void close() {
        RuntimeException failure = null;
        List<RedisProcess> all = new ArrayList<>(sentinels.values());
        all.addAll(servers.values());
        for (RedisProcess process : all) {
            try {
                process.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private String notReady(int master, int replica) {
        try {
            Map<String, String> replication = servers.get(replica).info("replication");
            if (!"up".equals(replication.get("master_link_status"))) {
                return "replica " + replica + " has no link to " + master;
            }
            for (RedisProcess sentinel : sentinels.values()) {
                int port = sentinel.port();
                if (masterPortSeenBy(sentinel) != master) {
                    return port + " names another master";
                }
                List<Map<String, String>> replicas = entries(sentinel, "REPLICAS");
                if (replicas.size() != 1
                        || !Integer.toString(replica).equals(replicas.get(0).get("port"))
                        || !"slave".equals(replicas.get(0).get("flags"))) {
                    return port + " sees replicas " + replicas;
                }
                List<Map<String, String>> others = entries(sentinel, "SENTINELS");
                if (others.size() != SENTINELS - 1) {
                    return port + " knows " + others.size() + " other sentinels";
                }
                String quorum = sentinel.text("SENTINEL", "CKQUORUM", MASTER_NAME);
                if (!quorum.startsWith("OK")) {
                    return port + ": " + quorum;
                }
            }
            return null;
        } catch (UncheckedIOException | RedisProcess.RedisError e) {
            return e.toString();
        }
    }

    private static int masterPortSeenBy(RedisProcess sentinel) {
        Object address = sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        if (!(address instanceof List<?> hostAndPort) || hostAndPort.size() != 2) {
            throw new IllegalStateException(
                    "sentinel " + sentinel.port() + " has no master: " + address);
        }
        return Integer.parseInt((String) hostAndPort.get(1));
    }

    /** SENTINEL REPLICAS or SENTINELS: each entry's flat field/value list as a map. */
    private static List<Map<String, String>> entries(RedisProcess sentinel, String what) {
        Object reply = sentinel.call("SENTINEL", what, MASTER_NAME);
        List<Map<String, String>> entries = new ArrayList<>();
        if (reply instanceof List<?> list) {
            for (Object item : list) {
                List<?> flat = (List<?>) item;
                Map<String, String> entry = new LinkedHashMap<>();
                for (int i = 0; i + 1 < flat.size(); i += 2) {
                    entry.put((String) flat.get(i), (String) flat.get(i + 1));
                }
                entries.add(entry);
            }
        }
        return entries;
    }
}
