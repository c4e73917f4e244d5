package dev.herald.bench.soak;

import dev.herald.bench.stats.ProcStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a soak run watches in the server process (Linux, same user): resident memory and open files
 * from /proc, and the live heap after a full collection through {@code jcmd}.
 */
public final class ServerProbe {
    private static final long JCMD_TIMEOUT_SECONDS = 60;

    private final long pid;
    private final String jcmd;

    public ServerProbe(long pid) {
        this.pid = pid;
        // the jcmd of the JDK running the bench; the server normally runs on the same one
        Path local = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        this.jcmd = Files.isExecutable(local) ? local.toString() : "jcmd";
    }

    public long pid() {
        return pid;
    }

    /** VmRSS in bytes, -1 if unreadable. */
    public long rssBytes() {
        return ProcStats.rssBytes(pid);
    }

    /** Entries of /proc/PID/fd (sockets, files, epoll and event fds), -1 if unreadable. */
    public long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Bytes of the objects still reachable after a full collection. {@code GC.class_histogram} runs
     * a full collection first (without {@code -all}) and then counts what survived, in one attach,
     * to the byte: unlike the heap's "used" figure read in a second call, nothing the server
     * allocates in between is counted.
     */
    public long liveHeapBytes() throws IOException {
        Process p =
                new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(
                        "jcmd "
                                + pid
                                + " GC.class_histogram did not finish in "
                                + JCMD_TIMEOUT_SECONDS
                                + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        long total = parseHistogramTotal(out);
        if (p.exitValue() != 0 || total < 0) {
            throw new IOException(
                    "jcmd "
                            + pid
                            + " GC.class_histogram failed: "
                            + out.substring(0, Math.min(out.length(), 300)).trim());
        }
        return total;
    }

    /** The byte count of the histogram's {@code Total} line, or -1. */
    static long parseHistogramTotal(String histogram) {
        for (String line : histogram.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Total")) {
                String[] f = t.split("\\s+");
                if (f.length >= 3) {
                    try {
                        return Long.parseLong(f[2]);
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }
}
