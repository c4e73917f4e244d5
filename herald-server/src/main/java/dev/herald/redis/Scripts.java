package dev.herald.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Lua scripts behind cluster decisions and answers, read once from the {@code .lua} files
 * beside this class. Each runs atomically in Redis, which is what makes "first socket anywhere" and
 * "last socket anywhere" exact when nodes race.
 *
 * <p>Each script touches the keys of one hash slot only, so it runs on a Redis Cluster as on one
 * Redis: its own keys, and the keys it must build (other nodes' members of the same channel, a
 * node's rings of the same app) from a stem that carries the same hash tag ({@link RedisKeys}). The
 * scripts know no key names: each gets its keys and stems as arguments, listed at the top of each
 * file. Nothing in a script reads which nodes are live ({@code herald:{g}:nodes} is in another
 * slot): the caller passes the nodes whose lease lapsed and that are not reaped yet.
 */
final class Scripts {

    /**
     * Records a first local subscriber in the channel's occupancy: 1 if the channel is now occupied
     * for the first time, 2 if only lapsed nodes held it (vacated for them, then occupied).
     */
    static final String OCCUPY = load("occupy");

    /** Drops a last local subscriber; 1 if no node holds the channel any more. */
    static final String VACATE = load("vacate");

    /**
     * Records a presence member; 1 if it is the user's first socket anywhere, 2 if only lapsed
     * nodes had the user (removed for them, then added).
     */
    static final String JOIN = load("join");

    /** Drops a presence member; 1 if no node has the user in the channel any more. */
    static final String LEAVE = load("leave");

    /** Removes gone nodes' share of one channel: whether it is vacated, which users are gone. */
    static final String REAP = load("reap");

    /** Claims a lapsed node (or this one, leaving) for reaping; 1 if the caller reaps it. */
    static final String CLAIM = load("claim");

    /** A presence channel's members, node by node. */
    static final String MEMBERS = load("members");

    /** Removes a webhook removal mark if it is still this node's. */
    static final String CONFIRM_MARK = load("confirm-mark");

    /** Renews this node's interest in the apps its viewers watch; every node's live interest. */
    static final String WATCHING = load("watching");

    /** Records one node's step of an app and updates the minute that holds it. */
    static final String STATS_RECORD = load("stats-record");

    /** One app's span, node by node. */
    static final String STATS_SERIES = load("stats-series");

    /**
     * Records an event in its channel's history and publishes it ({@code history-keep.lua}, then
     * {@code history-record.lua}).
     */
    static final Sha HISTORY_RECORD = new Sha(load("history-keep") + load("history-record"));

    /**
     * Reads a channel's history after a position ({@code history-keep.lua}, then {@code
     * history-read.lua}).
     */
    static final Sha HISTORY_READ = new Sha(load("history-keep") + load("history-read"));

    private Scripts() {}

    /**
     * A script run by its SHA-1, for the scripts on the path of every recorded publication: the
     * text goes to Redis only when Redis does not have it (a restart, {@code SCRIPT FLUSH}), then
     * in full for the call Redis refused. That retry runs after whatever the node sent meanwhile,
     * so an event recorded just as Redis lost its scripts can be numbered after one the node
     * recorded later; every node still delivers both in the order of their positions. Scripts whose
     * calls must keep their order run by their text.
     */
    record Sha(String text, String sha) {

        Sha(String text) {
            this(text, sha1(text));
        }

        /** Runs the script, sending its text only if Redis answers that it does not know it. */
        <T> CompletableFuture<T> run(
                RedisClusterAsyncCommands<byte[], byte[]> redis,
                ScriptOutputType type,
                byte[][] keys,
                byte[]... args) {
            return redis.<T>evalsha(sha, type, keys, args)
                    .toCompletableFuture()
                    .exceptionallyCompose(
                            e ->
                                    cause(e) instanceof RedisNoScriptException
                                            ? redis.<T>eval(text, type, keys, args)
                                                    .toCompletableFuture()
                                            : CompletableFuture.failedFuture(cause(e)));
        }

        private static Throwable cause(Throwable e) {
            return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        }

        private static String sha1(String text) {
            try {
                return HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-1")
                                        .digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
        }
    }

    static String load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException(
                        "Lua script " + name + ".lua is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + name + ".lua", e);
        }
    }
}
