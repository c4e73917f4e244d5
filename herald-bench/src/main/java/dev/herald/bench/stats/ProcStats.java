package dev.herald.bench.stats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads a process's CPU time and resident memory from /proc (Linux), alone or with its descendants:
 * a server may be several processes (an nginx master and its workers), and its cost is all of them.
 */
public final class ProcStats {
    private static final long CLOCK_TICKS = clockTicks();
    private static final Path PROC = Path.of("/proc");

    private ProcStats() {}

    /** utime + stime of the process, in seconds; -1 if unreadable. */
    public static double cpuSeconds(long pid) {
        try {
            return parseCpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat")))
                    / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** VmRSS in bytes; -1 if unreadable. */
    public static long rssBytes(long pid) {
        try {
            return parseRss(Files.readString(Path.of("/proc/" + pid + "/status")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds of the process and all its descendants: their utime + stime, plus cutime + cstime
     * (what their children that have already exited and been reaped used, so a worker that is
     * replaced during a run keeps counting). -1 if the process is gone.
     */
    public static double treeCpuSeconds(long pid) {
        long ticks = treeCpuTicks(PROC, pid);
        return ticks < 0 ? -1 : ticks / (double) CLOCK_TICKS;
    }

    /**
     * VmRSS of the process and all its descendants, summed; -1 if the process is gone. Memory the
     * processes share (nginx's shared zone) is counted once per process that has touched it.
     */
    public static long treeRssBytes(long pid) {
        return treeRssBytes(PROC, pid);
    }

    static long treeCpuTicks(Path proc, long pid) {
        List<Long> tree = tree(proc, pid);
        if (tree.isEmpty()) {
            return -1;
        }
        long ticks = 0;
        for (long p : tree) {
            try {
                ticks += parseTreeCpuTicks(Files.readString(proc.resolve(p + "/stat")));
            } catch (IOException | RuntimeException e) {
                // exited since it was listed: its time is now in its parent's cutime
            }
        }
        return ticks;
    }

    static long treeRssBytes(Path proc, long pid) {
        List<Long> tree = tree(proc, pid);
        if (tree.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (long p : tree) {
            try {
                sum += Math.max(0, parseRss(Files.readString(proc.resolve(p + "/status"))));
            } catch (IOException | RuntimeException e) {
                // exited since it was listed
            }
        }
        return sum;
    }

    /** The process and its descendants, root first; empty if the root is gone. */
    static List<Long> tree(Path proc, long root) {
        if (!Files.exists(proc.resolve(root + "/stat"))) {
            return List.of();
        }
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    long ppid = parseParent(Files.readString(d.resolve("stat")));
                    children.computeIfAbsent(ppid, k -> new ArrayList<>())
                            .add(Long.parseLong(name));
                } catch (IOException | RuntimeException e) {
                    // gone while listing
                }
            }
        } catch (IOException e) {
            return List.of(root);
        }
        List<Long> out = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>();
        todo.add(root);
        // a pid is listed once even if /proc changed under the scan into a cycle
        Set<Long> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            long p = todo.poll();
            if (seen.add(p)) {
                out.add(p);
                todo.addAll(children.getOrDefault(p, List.of()));
            }
        }
        return out;
    }

    /** Field 4 of /proc/PID/stat. */
    static long parseParent(String stat) {
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    /** Fields 14 to 17 of /proc/PID/stat: utime, stime, cutime, cstime. */
    static long parseTreeCpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        return Long.parseLong(f[11])
                + Long.parseLong(f[12])
                + Long.parseLong(f[13])
                + Long.parseLong(f[14]);
    }

    public static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid + "/stat"));
    }

    /** Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name. */
    static long parseCpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state); utime is field 14, stime field 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long parseRss(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] p = line.substring(6).trim().split("\\s+");
                return Long.parseLong(p[0]) * 1024L;
            }
        }
        return -1;
    }

    public static long clockTicksPerSecond() {
        return CLOCK_TICKS;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the Linux default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
