package dev.herald.bench.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Reads a process's CPU time and resident memory from /proc (Linux). */
public final class ProcStats {
    private static final long CLOCK_TICKS = clockTicks();

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
