package dev.herald.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.SlotHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches redis-servers with {@code MONITOR} and finds every command, and every command a Lua
 * script ran, that touched keys of more than one hash slot: what a Redis Cluster refuses, or, for
 * an undeclared key a script builds, runs by chance only while both slots live on one master. Redis
 * prints a script's commands ({@code [0 lua]}) right after the {@code EVAL} or {@code EVALSHA} that
 * ran them, so each is checked against the slot of the script's declared keys.
 *
 * <p>Commands inside scripts are classified by name; one this audit does not know is reported too,
 * so a script that starts using a new command makes its test say so rather than pass unchecked.
 */
final class SlotAudit implements AutoCloseable {

    /** Commands whose every argument is a key. */
    private static final Set<String> ALL_KEYS = Set.of("DEL", "EXISTS", "UNLINK", "TOUCH", "MGET");

    /** Commands without keys that scripts run; PUBLISH is not bound to a slot. */
    private static final Set<String> NO_KEYS = Set.of("TIME", "PUBLISH");

    /** Commands whose first argument is their one key (or, for SPUBLISH, a shard channel). */
    private static final Set<String> FIRST_KEY =
            Set.of(
                    "GET",
                    "SET",
                    "PEXPIRE",
                    "PEXPIREAT",
                    "EXPIRE",
                    "HSET",
                    "HGET",
                    "HDEL",
                    "HEXISTS",
                    "HLEN",
                    "HGETALL",
                    "HKEYS",
                    "HVALS",
                    "HMGET",
                    "HINCRBY",
                    "SADD",
                    "SREM",
                    "SMEMBERS",
                    "SISMEMBER",
                    "SCARD",
                    "ZADD",
                    "ZSCORE",
                    "ZRANGE",
                    "ZREM",
                    "ZRANGEBYSCORE",
                    "ZREMRANGEBYSCORE",
                    "ZCARD",
                    "XADD",
                    "XRANGE",
                    "XREVRANGE",
                    "XTRIM",
                    "XLEN",
                    "SPUBLISH");

    private final List<Watcher> watchers = new ArrayList<>();

    private SlotAudit() {}

    /** Starts watching the redis-servers on these ports of 127.0.0.1. */
    static SlotAudit watch(List<Integer> ports) {
        SlotAudit audit = new SlotAudit();
        try {
            for (int port : ports) {
                audit.watchers.add(new Watcher(port));
            }
        } catch (RuntimeException e) {
            audit.close();
            throw e;
        }
        return audit;
    }

    /**
     * Waits until every server's MONITOR caught up with what was sent before this call, then
     * returns every crossing seen since the last call (and forgets them).
     */
    List<String> crossings() {
        List<String> found = new ArrayList<>();
        for (Watcher watcher : watchers) {
            found.addAll(watcher.drain());
        }
        return found;
    }

    /** Scripts seen since the start: an audit that saw none proves nothing. */
    int scripts() {
        return watchers.stream().mapToInt(w -> w.scripts).sum();
    }

    @Override
    public void close() {
        watchers.forEach(Watcher::close);
    }

    /** One server's MONITOR, parsed line by line on a thread of its own. */
    private static final class Watcher {
        private final int port;
        private final Socket socket;
        private final List<String> crossings = new CopyOnWriteArrayList<>();
        private final Set<String> marks = ConcurrentHashMap.newKeySet();
        private final Thread reader;
        private volatile int scripts;

        /** The declared keys' slot of the script whose commands follow; -1 for none. */
        private int scriptSlot = -1;

        private String script;

        Watcher(int port) {
            this.port = port;
            try {
                socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                OutputStream out = socket.getOutputStream();
                out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(
                                        socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String ok = in.readLine();
                if (!"+OK".equals(ok)) {
                    throw new IllegalStateException("MONITOR on " + port + " answered " + ok);
                }
                reader = new Thread(() -> read(in), "slot-audit-" + port);
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot MONITOR 127.0.0.1:" + port, e);
            }
        }

        private void read(BufferedReader in) {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("+")) {
                        see(line.substring(1));
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void see(String line) {
            int open = line.indexOf('[');
            int close = line.indexOf(']', open);
            if (open < 0 || close < 0) {
                return;
            }
            boolean lua = line.substring(open + 1, close).endsWith(" lua");
            List<String> args = arguments(line.substring(close + 1));
            if (args.isEmpty()) {
                return;
            }
            String command = args.get(0).toUpperCase();
            List<String> rest = args.subList(1, args.size());
            if (lua) {
                checkInScript(command, rest);
                return;
            }
            script = null;
            scriptSlot = -1;
            if (command.equals("ECHO") && !rest.isEmpty()) {
                marks.add(rest.get(0));
            } else if (command.startsWith("EVAL")) {
                scripts++;
                int count = Integer.parseInt(rest.get(1));
                List<String> keys = rest.subList(2, 2 + count);
                script = command + " " + keys;
                scriptSlot = keys.isEmpty() ? -1 : slot(keys.get(0));
                sameSlot(script, keys);
            } else if (ALL_KEYS.contains(command)) {
                sameSlot(command + " " + rest, rest);
            }
        }

        private void checkInScript(String command, List<String> args) {
            List<String> keys;
            if (NO_KEYS.contains(command)) {
                return;
            } else if (ALL_KEYS.contains(command)) {
                keys = args;
            } else if (FIRST_KEY.contains(command)) {
                keys = args.isEmpty() ? List.of() : args.subList(0, 1);
            } else {
                crossings.add(port + ": " + script + " ran " + command + ", unknown to the audit");
                return;
            }
            for (String key : keys) {
                if (scriptSlot < 0) {
                    crossings.add(port + ": " + script + " declared no key but touched " + key);
                } else if (slot(key) != scriptSlot) {
                    crossings.add(
                            port
                                    + ": "
                                    + script
                                    + " (slot "
                                    + scriptSlot
                                    + ") ran "
                                    + command
                                    + " on "
                                    + key
                                    + " (slot "
                                    + slot(key)
                                    + ")");
                }
            }
        }

        private void sameSlot(String what, List<String> keys) {
            if (keys.stream().map(SlotAudit::slot).distinct().count() > 1) {
                crossings.add(port + ": " + what + " spans slots");
            }
        }

        /** Sends a mark on a connection of its own, waits for MONITOR to print it, drains. */
        List<String> drain() {
            String mark = "slot-audit-" + UUID.randomUUID();
            try (Socket marker = new Socket()) {
                marker.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                marker.setSoTimeout(5_000);
                byte[] bytes = mark.getBytes(StandardCharsets.US_ASCII);
                OutputStream out = marker.getOutputStream();
                out.write(
                        ("*2\r\n$4\r\nECHO\r\n$" + bytes.length + "\r\n" + mark + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                marker.getInputStream().read(new byte[64]);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot mark 127.0.0.1:" + port, e);
            }
            await("MONITOR on " + port + " caught up")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> marks.remove(mark));
            List<String> found = new ArrayList<>(crossings);
            crossings.removeAll(found);
            return found;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** A key's slot: MONITOR's text holds one char per byte of the key. */
    private static int slot(String key) {
        return SlotHash.getSlot(key.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The quoted arguments of a MONITOR line, unescaped as Redis's sdscatrepr escaped them. */
    static List<String> arguments(String text) {
        List<String> args = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '"') {
                i++;
                continue;
            }
            StringBuilder arg = new StringBuilder();
            i++;
            while (i < text.length() && text.charAt(i) != '"') {
                char d = text.charAt(i);
                if (d == '\\' && i + 1 < text.length()) {
                    char e = text.charAt(i + 1);
                    switch (e) {
                        case 'n' -> arg.append('\n');
                        case 'r' -> arg.append('\r');
                        case 't' -> arg.append('\t');
                        case 'a' -> arg.append('\u0007');
                        case 'b' -> arg.append('\b');
                        case 'x' -> {
                            arg.append((char) Integer.parseInt(text.substring(i + 2, i + 4), 16));
                            i += 2;
                        }
                        default -> arg.append(e);
                    }
                    i += 2;
                } else {
                    arg.append(d);
                    i++;
                }
            }
            args.add(arg.toString());
            i++;
        }
        return args;
    }
}
