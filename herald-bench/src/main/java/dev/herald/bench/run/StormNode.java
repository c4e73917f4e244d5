package dev.herald.bench.run;

import dev.herald.bench.config.StormKind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * reconnect-storm's node that goes away: a process that listens on exactly one of the run's ports.
 * The bench signals it itself, so it first checks from /proc that the pid really is one of the
 * nodes it loads (a pid that listens on none of them is refused, never signalled).
 *
 * @param pid the node's process id
 * @param port the one of the run's ports it listens on
 */
public record StormNode(long pid, int port) {
    private static final String LISTEN = "0A";

    /**
     * The node {@code pid} of {@code ports}: throws IllegalArgumentException with the reason when
     * the process is not running, cannot be inspected, or listens on none or several of them.
     */
    public static StormNode find(long pid, int[] ports) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalArgumentException(
                    "--storm-node-pid " + pid + " is not a running process");
        }
        Set<Integer> listening = listeningPorts(Path.of("/proc"), pid);
        List<Integer> mine = new ArrayList<>();
        for (int p : ports) {
            if (listening.contains(p)) {
                mine.add(p);
            }
        }
        if (mine.size() != 1) {
            throw new IllegalArgumentException(
                    String.format(
                            "--storm-node-pid %d listens on %s of --ports %s (it listens on %s): the storm node must be exactly one of the nodes",
                            pid,
                            mine.isEmpty() ? "none" : "several (" + mine + ")",
                            portsText(ports),
                            listening.isEmpty() ? "nothing" : new TreeSet<>(listening)));
        }
        return new StormNode(pid, mine.get(0));
    }

    /** Sends SIGTERM (drain) or SIGKILL (kill); false if the process was already gone. */
    public boolean signal(StormKind kind) {
        return ProcessHandle.of(pid)
                .map(h -> kind == StormKind.KILL ? h.destroyForcibly() : h.destroy())
                .orElse(false);
    }

    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * The TCP ports process {@code pid} listens on: the inodes of its sockets ({@code
     * /proc/PID/fd}) matched against the LISTEN rows of {@code /proc/PID/net/tcp} and {@code tcp6}.
     */
    static Set<Integer> listeningPorts(Path proc, long pid) {
        Set<Long> inodes = new HashSet<>();
        Path fd = proc.resolve(Long.toString(pid)).resolve("fd");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fd)) {
            for (Path p : ds) {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("socket:[") && link.endsWith("]")) {
                        inodes.add(Long.parseLong(link.substring(8, link.length() - 1)));
                    }
                } catch (IOException | NumberFormatException e) {
                    // closed while listing, or not a socket
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read "
                            + fd
                            + " ("
                            + e.getClass().getSimpleName()
                            + "): run the bench as the storm node's user");
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            Path file = proc.resolve(Long.toString(pid)).resolve("net").resolve(table);
            try {
                ports.addAll(parseListening(Files.readAllLines(file), inodes));
            } catch (IOException e) {
                // no IPv6, or the table is unreadable: the other one may do
            }
        }
        return ports;
    }

    /** The local ports of the LISTEN rows of a /proc/net/tcp table whose inode is in the set. */
    static Set<Integer> parseListening(List<String> lines, Set<Long> inodes) {
        Set<Integer> ports = new HashSet<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.length < 10 || !f[3].equals(LISTEN)) {
                continue;
            }
            try {
                int colon = f[1].lastIndexOf(':');
                long inode = Long.parseLong(f[9]);
                if (colon > 0 && inodes.contains(inode)) {
                    ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
                }
            } catch (NumberFormatException e) {
                // the header line
            }
        }
        return ports;
    }

    private static String portsText(int[] ports) {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) {
            sb.append(sb.length() > 0 ? "," : "").append(p);
        }
        return sb.toString();
    }
}
