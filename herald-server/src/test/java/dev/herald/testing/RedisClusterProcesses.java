package dev.herald.testing;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on 127.0.0.1 for tests: {@code masters} masters with {@code
 * replicasPerMaster} replicas each, every one a redis-server process of its own on free ports (a
 * free cluster-bus port too, through {@code cluster-port}, since port + 10000 may not be free or
 * even exist), in its own working directory under {@code target/}, without persistence. {@link
 * #start} returns once {@code redis-cli --cluster create} has assigned the 16384 slots and every
 * node agrees on them with {@code cluster_state:ok} and every replica's link to its master is up.
 *
 * <p>The node timeout is 1 s, so a killed master is replaced within a few seconds. Processes are
 * ended by PID in {@link #close()} (and by a shutdown hook if the JVM exits first); their
 * directories and logs stay for a look after a failure.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    /** Slots in a Redis Cluster. */
    public static final int SLOTS = 16384;

    static final int MIN_MASTERS = 3; // redis-cli --cluster create refuses fewer
    static final int MAX_MASTERS = 8; // processes on a 2-core test machine
    static final int MAX_REPLICAS_PER_MASTER = 2;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Duration CREATE_WITHIN = Duration.ofSeconds(60);
    private static final Duration STABLE_WITHIN = Duration.ofSeconds(60);
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(30);
    private static final int MIGRATE_BATCH = 100;
    private static final int MIGRATE_TIMEOUT_MS = 5_000;
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final int masterCount;
    private final int replicasPerMaster;
    private final Map<Integer, RedisProcess> nodes = new LinkedHashMap<>();
    private final Map<Integer, String> ids = new HashMap<>();
    private final Set<Integer> takenPorts = new HashSet<>();
    private final Map<Integer, Long> killedAt = new HashMap<>();
    private final Map<Integer, Integer> killedFirstSlot = new HashMap<>();

    private RedisClusterProcesses(Path dir, int masterCount, int replicasPerMaster) {
        this.dir = dir;
        this.masterCount = masterCount;
        this.replicasPerMaster = replicasPerMaster;
    }

    /** Three masters with one replica each. */
    public static RedisClusterProcesses start(String name) {
        return start(name, 3, 1);
    }

    /**
     * Starts {@code masters} (3 to 8) masters with {@code replicasPerMaster} (0 to 2) replicas each
     * and waits until the cluster is whole. {@code name} (letters, digits, '-', '_'; at most 40)
     * names its directory under {@code target/}.
     */
    public static RedisClusterProcesses start(String name, int masters, int replicasPerMaster) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name must be 1 to 40 letters, digits, '-' or '_': " + name);
        }
        if (masters < MIN_MASTERS || masters > MAX_MASTERS) {
            throw new IllegalArgumentException(
                    "masters must be " + MIN_MASTERS + " to " + MAX_MASTERS + ": " + masters);
        }
        if (replicasPerMaster < 0 || replicasPerMaster > MAX_REPLICAS_PER_MASTER) {
            throw new IllegalArgumentException(
                    "replicasPerMaster must be 0 to "
                            + MAX_REPLICAS_PER_MASTER
                            + ": "
                            + replicasPerMaster);
        }
        Path dir;
        try {
            Path target = HeraldProcess.targetDirectory();
            Files.createDirectories(target);
            dir = Files.createTempDirectory(target, "redis-cluster-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisClusterProcesses cluster = new RedisClusterProcesses(dir, masters, replicasPerMaster);
        try {
            cluster.create();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void create() {
        int total = masterCount * (1 + replicasPerMaster);
        for (int i = 0; i < total; i++) {
            startNode();
        }
        List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int port : nodes.keySet()) {
            command.add(RedisProcess.HOST + ":" + port);
        }
        command.addAll(
                List.of(
                        "--cluster-replicas",
                        Integer.toString(replicasPerMaster),
                        "--cluster-yes"));
        Path log = dir.resolve("cluster-create.log");
        try {
            Process create =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            try {
                if (!create.waitFor(CREATE_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException(
                            "redis-cli --cluster create still running after "
                                    + CREATE_WITHIN
                                    + "; see "
                                    + log);
                }
                if (create.exitValue() != 0) {
                    throw new IllegalStateException(
                            "redis-cli --cluster create exited with "
                                    + create.exitValue()
                                    + ":\n"
                                    + Files.readString(log, StandardCharsets.ISO_8859_1));
                }
            } finally {
                create.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run redis-cli (is it on PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        RedisProcess.until(
                "a cluster of "
                        + masterCount
                        + " masters with "
                        + replicasPerMaster
                        + " replicas each",
                STABLE_WITHIN,
                () -> {
                    String problem = unstable();
                    return problem != null ? problem : incomplete();
                });
    }

    /** Starts one node on fresh ports, on other ports again if the chosen ones were taken. */
    private void startNode() {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            int busPort = freePort();
            Path nodeDir = dir.resolve("node-" + port);
            RedisProcess node =
                    new RedisProcess(
                            port,
                            nodeDir,
                            List.of(
                                    "--port",
                                    Integer.toString(port),
                                    "--cluster-port",
                                    Integer.toString(busPort),
                                    "--bind",
                                    RedisProcess.HOST,
                                    "--daemonize",
                                    "no",
                                    "--dir",
                                    nodeDir.toString(),
                                    "--cluster-enabled",
                                    "yes",
                                    "--cluster-config-file",
                                    nodeDir.resolve("nodes-" + port + ".conf").toString(),
                                    "--cluster-node-timeout",
                                    "1000",
                                    "--cluster-allow-reads-when-down",
                                    "no",
                                    "--cluster-require-full-coverage",
                                    "yes",
                                    "--save",
                                    "",
                                    "--appendonly",
                                    "no",
                                    // a replica's first sync starts at once, not after 5 s
                                    "--repl-diskless-sync-delay",
                                    "0"));
            try {
                node.start();
                nodes.put(port, node);
                ids.put(port, node.text("CLUSTER", "MYID"));
                return;
            } catch (IllegalStateException e) {
                node.close(); // a port was taken between freePort() and the bind: try others
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

    /** Every node's client port, in the order they were started, running or not. */
    public List<Integer> ports() {
        return List.copyOf(nodes.keySet());
    }

    /**
     * Every node as "127.0.0.1:port", comma-separated: the value for {@code
     * HERALD_REDIS_CLUSTER_NODES}.
     */
    public String nodesSetting() {
        return nodes.keySet().stream()
                .map(port -> RedisProcess.HOST + ":" + port)
                .collect(Collectors.joining(","));
    }

    /** A seed URI per node, for {@code RedisClusterClient.create(Iterable<RedisURI>)}. */
    public List<RedisURI> uris() {
        return nodes.keySet().stream()
                .map(port -> RedisURI.create(RedisProcess.HOST, port))
                .collect(Collectors.toList());
    }

    /** The masters that serve slots now, by their lowest slot. */
    public List<Integer> masters() {
        return view(anyLive()).stream()
                .filter(node -> node.master() && !node.failing() && !node.slots().isEmpty())
                .sorted(Comparator.comparingInt(node -> node.slots().get(0)[0]))
                .map(ClusterNode::port)
                .collect(Collectors.toList());
    }

    /** The replicas of {@code masterPort} that are not known to have failed, by port. */
    public List<Integer> replicasOf(int masterPort) {
        String id = idOf(masterPort);
        return view(anyLive()).stream()
                .filter(node -> !node.master() && !node.failing() && id.equals(node.masterId()))
                .map(ClusterNode::port)
                .sorted()
                .collect(Collectors.toList());
    }

    /** The port of the master serving {@code slot} now. */
    public int masterForSlot(int slot) {
        checkSlot(slot);
        return ownerOf(slot, view(anyLive()));
    }

    /** The slot of {@code key}: CRC16 mod 16384 of the key, or of its {hash tag}. */
    public static int slot(String key) {
        return SlotHash.getSlot(key);
    }

    /**
     * Ends the master on {@code port} with SIGKILL, as a crash would: no goodbye to its clients,
     * its replicas or the other masters.
     */
    public void killMaster(int port) {
        RedisProcess node = running(port);
        List<ClusterNode> view = view(node);
        ClusterNode self = view.stream().filter(ClusterNode::myself).findFirst().orElseThrow();
        if (!self.master() || self.slots().isEmpty()) {
            throw new IllegalArgumentException("port " + port + " is not a master with slots");
        }
        killedFirstSlot.put(port, self.slots().get(0)[0]);
        killedAt.put(port, System.nanoTime());
        node.kill();
    }

    /**
     * Waits until a replica of the master killed on {@code oldMasterPort} serves its slots and the
     * cluster is whole again: every running node says {@code cluster_state:ok}, they agree on who
     * serves every slot, and every running replica is linked to its master.
     *
     * @return the new master and the time from the kill until then
     */
    public RedisFailover awaitFailover(int oldMasterPort) {
        Long killed = killedAt.get(oldMasterPort);
        if (killed == null) {
            throw new IllegalArgumentException(
                    "the master on " + oldMasterPort + " was not killed by killMaster");
        }
        int slot = killedFirstSlot.get(oldMasterPort);
        RedisProcess.until(
                "failover of the master on " + oldMasterPort,
                FAILOVER_WITHIN,
                () -> {
                    String problem = unstable();
                    if (problem != null) {
                        return problem;
                    }
                    int owner = ownerOf(slot, view(anyLive()));
                    return owner == oldMasterPort ? "slot " + slot + " not taken over" : null;
                });
        Duration took = Duration.ofNanos(System.nanoTime() - killed);
        return new RedisFailover(oldMasterPort, masterForSlot(slot), took);
    }

    /**
     * Starts the killed node on {@code port} again with its nodes.conf and waits until the cluster
     * is whole with it: a master that was replaced meanwhile comes back as a replica of the node
     * that took its slots.
     */
    public void restart(int port) {
        RedisProcess node = nodes.get(port);
        if (node == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        if (node.alive()) {
            throw new IllegalArgumentException("the node on port " + port + " is running");
        }
        node.start();
        killedAt.remove(port);
        killedFirstSlot.remove(port);
        RedisProcess.until(
                "node " + port + " back in the cluster",
                STABLE_WITHIN,
                () -> {
                    String problem = unstable();
                    if (problem != null) {
                        return problem;
                    }
                    boolean servesSlots =
                            view(node).stream().anyMatch(n -> n.myself() && !n.slots().isEmpty());
                    String role = node.info("replication").get("role");
                    return servesSlots || "slave".equals(role)
                            ? null
                            : port + " is a master without slots, not yet a replica";
                });
    }

    /**
     * Moves {@code slot} and its keys to the master on {@code toMasterPort} the way redis-cli
     * reshards: the target imports, the source migrates, the keys go over with MIGRATE in batches,
     * then every master is told the slot's new owner. Returns once every running node agrees.
     */
    public void migrateSlot(int slot, int toMasterPort) {
        checkSlot(slot);
        if (!masters().contains(toMasterPort)) {
            throw new IllegalArgumentException(
                    "port " + toMasterPort + " is not a master with slots: " + masters());
        }
        int fromPort = masterForSlot(slot);
        if (fromPort == toMasterPort) {
            return;
        }
        RedisProcess source = running(fromPort);
        RedisProcess target = running(toMasterPort);
        String slotText = Integer.toString(slot);
        String targetId = idOf(toMasterPort);
        target.call("CLUSTER", "SETSLOT", slotText, "IMPORTING", idOf(fromPort));
        source.call("CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId);
        long deadline = System.nanoTime() + STABLE_WITHIN.toNanos();
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "slot " + slot + " still has keys after " + STABLE_WITHIN);
            }
            Object keys =
                    source.call(
                            "CLUSTER", "GETKEYSINSLOT", slotText, Integer.toString(MIGRATE_BATCH));
            if (!(keys instanceof List<?> batch) || batch.isEmpty()) {
                break;
            }
            List<String> migrate =
                    new ArrayList<>(
                            List.of(
                                    "MIGRATE",
                                    RedisProcess.HOST,
                                    Integer.toString(toMasterPort),
                                    "",
                                    "0",
                                    Integer.toString(MIGRATE_TIMEOUT_MS),
                                    "KEYS"));
            for (Object key : batch) {
                migrate.add((String) key);
            }
            source.call(migrate.toArray(String[]::new));
        }
        // the target first, so that it owns the slot before the source starts redirecting to it
        target.call("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        source.call("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        for (int master : masters()) {
            if (master != fromPort && master != toMasterPort) {
                running(master).call("CLUSTER", "SETSLOT", slotText, "NODE", targetId);
            }
        }
        RedisProcess.until(
                "every node sees slot " + slot + " on " + toMasterPort,
                STABLE_WITHIN,
                () -> {
                    for (RedisProcess node : live()) {
                        int owner = ownerOf(slot, view(node));
                        if (owner != toMasterPort) {
                            return node.port() + " sees slot " + slot + " on " + owner;
                        }
                    }
                    return unstable();
                });
    }

    /**
     * CPU time (used_cpu_sys + used_cpu_user of INFO cpu) in microseconds that each running node
     * has used since it started, by port.
     */
    public Map<Integer, Long> cpuMicros() {
        Map<Integer, Long> micros = new TreeMap<>();
        for (RedisProcess node : live()) {
            micros.put(node.port(), cpuMicros(node));
        }
        return micros;
    }

    /** {@link #cpuMicros()} of the node on {@code port}. */
    public long cpuMicros(int port) {
        return cpuMicros(running(port));
    }

    private static long cpuMicros(RedisProcess node) {
        Map<String, String> cpu = node.info("cpu");
        return new BigDecimal(cpu.get("used_cpu_sys"))
                .add(new BigDecimal(cpu.get("used_cpu_user")))
                .movePointRight(6)
                .longValue();
    }

    /** Kills every node by PID. Directories and logs stay under {@code target/}. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (RedisProcess node : nodes.values()) {
            try {
                node.close();
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

    /**
     * What keeps the running nodes from being a whole cluster, or null: each must say {@code
     * cluster_state:ok} with every slot served, see no running node as failing, see every slot on a
     * running master, agree with the others on who serves what and which running node replicates
     * which, and, as a replica, be linked to its master.
     */
    private String unstable() {
        String agreed = null;
        int agreedBy = 0;
        Set<Integer> livePorts = new HashSet<>();
        for (RedisProcess node : live()) {
            livePorts.add(node.port());
        }
        for (RedisProcess node : live()) {
            int port = node.port();
            try {
                Map<String, String> info = RedisProcess.fields(node.text("CLUSTER", "INFO"));
                if (!"ok".equals(info.get("cluster_state"))) {
                    return port + " says cluster_state:" + info.get("cluster_state");
                }
                if (!Integer.toString(SLOTS).equals(info.get("cluster_slots_ok"))) {
                    return port + " says cluster_slots_ok:" + info.get("cluster_slots_ok");
                }
                List<ClusterNode> view = view(node);
                // each node lists itself first: compare in port order
                view.sort(Comparator.comparingInt(ClusterNode::port));
                StringBuilder owners = new StringBuilder();
                for (ClusterNode seen : view) {
                    if (seen.flags().contains("handshake")) {
                        return port + " is still meeting " + seen.port();
                    }
                    if (livePorts.contains(seen.port()) && seen.failing()) {
                        return port + " sees " + seen.port() + " as " + seen.flags();
                    }
                    if (!seen.slots().isEmpty()) {
                        if (!livePorts.contains(seen.port())) {
                            return port + " sees slots on " + seen.port() + ", which is down";
                        }
                        owners.append(seen.port()).append(seen.slotsText()).append(' ');
                    } else if (!seen.master() && livePorts.contains(seen.port())) {
                        owners.append(seen.port())
                                .append("->")
                                .append(portOf(seen.masterId()))
                                .append(' ');
                    }
                }
                String ownership = owners.toString();
                if (agreed == null) {
                    agreed = ownership;
                    agreedBy = port;
                } else if (!agreed.equals(ownership)) {
                    return port + " sees " + ownership + "; " + agreedBy + " sees " + agreed;
                }
                Map<String, String> replication = node.info("replication");
                if ("slave".equals(replication.get("role"))) {
                    if (!"up".equals(replication.get("master_link_status"))) {
                        return "replica " + port + " has no link to its master";
                    }
                    if (!livePorts.contains(Integer.parseInt(replication.get("master_port")))) {
                        return "replica " + port + " follows " + replication.get("master_port");
                    }
                }
            } catch (UncheckedIOException | RedisProcess.RedisError e) {
                return port + ": " + e;
            }
        }
        return null;
    }

    /** What the freshly created cluster still lacks: all nodes known, replicas in place. */
    private String incomplete() {
        RedisProcess first = anyLive();
        Map<String, String> info = RedisProcess.fields(first.text("CLUSTER", "INFO"));
        if (!Integer.toString(nodes.size()).equals(info.get("cluster_known_nodes"))) {
            return first.port() + " knows " + info.get("cluster_known_nodes") + " nodes";
        }
        List<Integer> masters = masters();
        if (masters.size() != masterCount) {
            return "masters " + masters;
        }
        for (int master : masters) {
            List<Integer> replicas = replicasOf(master);
            if (replicas.size() != replicasPerMaster) {
                return master + " has replicas " + replicas;
            }
            Map<String, String> replication = running(master).info("replication");
            if (!Integer.toString(replicasPerMaster).equals(replication.get("connected_slaves"))) {
                return master + " has connected_slaves:" + replication.get("connected_slaves");
            }
        }
        return null;
    }

    private List<RedisProcess> live() {
        return nodes.values().stream().filter(RedisProcess::alive).collect(Collectors.toList());
    }

    private RedisProcess anyLive() {
        return nodes.values().stream()
                .filter(RedisProcess::alive)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no node is running"));
    }

    private RedisProcess running(int port) {
        RedisProcess node = nodes.get(port);
        if (node == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        if (!node.alive()) {
            throw new IllegalArgumentException("the node on port " + port + " is not running");
        }
        return node;
    }

    private String idOf(int port) {
        String id = ids.get(port);
        if (id == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        return id;
    }

    private int portOf(String id) {
        return ids.entrySet().stream()
                .filter(entry -> entry.getValue().equals(id))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(-1);
    }

    private static void checkSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be 0 to " + (SLOTS - 1) + ": " + slot);
        }
    }

    private static int ownerOf(int slot, List<ClusterNode> view) {
        for (ClusterNode node : view) {
            for (int[] range : node.slots()) {
                if (slot >= range[0] && slot <= range[1]) {
                    return node.port();
                }
            }
        }
        throw new IllegalStateException("no node serves slot " + slot + " in " + view);
    }

    /** CLUSTER NODES as {@code node} sees the cluster. */
    private static List<ClusterNode> view(RedisProcess node) {
        List<ClusterNode> view = new ArrayList<>();
        for (String line : node.text("CLUSTER", "NODES").split("\n")) {
            if (!line.isBlank()) {
                view.add(ClusterNode.parse(line.trim()));
            }
        }
        return view;
    }

    /**
     * One line of CLUSTER NODES: slots as inclusive [from, to] ranges, open migrations left out.
     */
    private record ClusterNode(
            String id, int port, Set<String> flags, String masterId, List<int[]> slots) {

        static ClusterNode parse(String line) {
            String[] fields = line.split(" ");
            if (fields.length < 8) {
                throw new IllegalStateException("not a CLUSTER NODES line: " + line);
            }
            // ip:port@cport[,hostname]
            String address = fields[1];
            int at = address.indexOf('@');
            String hostPort = at < 0 ? address : address.substring(0, at);
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < fields.length; i++) {
                String slot = fields[i];
                if (slot.startsWith("[")) {
                    continue; // [slot->-id] or [slot-<-id]: a migration in progress
                }
                int dash = slot.indexOf('-');
                slots.add(
                        dash < 0
                                ? new int[] {Integer.parseInt(slot), Integer.parseInt(slot)}
                                : new int[] {
                                    Integer.parseInt(slot.substring(0, dash)),
                                    Integer.parseInt(slot.substring(dash + 1))
                                });
            }
            slots.sort(Comparator.comparingInt(range -> range[0]));
            return new ClusterNode(fields[0], port, Set.of(fields[2].split(",")), fields[3], slots);
        }

        boolean master() {
            return flags.contains("master");
        }

        boolean myself() {
            return flags.contains("myself");
        }

        boolean failing() {
            return flags.contains("fail") || flags.contains("fail?");
        }

        String slotsText() {
            return slots.stream()
                    .map(range -> range[0] + "-" + range[1])
                    .collect(Collectors.joining(",", "[", "]"));
        }
    }
}
