package dev.herald.bench.client;

import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.config.FleetMode;
import dev.herald.bench.config.Target;
import dev.herald.bench.sign.PusherSigning;
import dev.herald.bench.stats.Clock;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.Histograms;
import dev.herald.bench.stats.LoopStats;
import dev.herald.bench.stats.Snapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The WebSocket connections of one generator process: slots {@code [from, to)} of the run.
 *
 * <p>A ramp thread opens connections at {@code connectRate}, with at most {@code maxPending} being
 * set up at once; each connection then subscribes to its channels (see {@link ChannelPlan}). {@link
 * #startActivity()} switches on the scenario's traffic (client events, presence toggles); churn
 * cycles from the start. Statistics live per event loop ({@link LoopStats}) and are collected by
 * {@link #snapshot()} from a single sampler thread.
 */
public final class Fleet implements AutoCloseable {
    private static final int MAX_ERROR_KINDS = 50;

    final FleetConfig cfg;
    final ChannelPlan plan;
    final String path;
    private final String[] hostHeaders;
    final long senderPeriodNanos;
    final long togglePeriodNanos;
    private final long churnPeriodNanos;
    private final int sendersHere;

    private final Transport transport;
    private final Bootstrap bootstrap;

    /**
     * One per server port; slot {@code i} connects to {@code remotes[i % n]} (see {@link
     * FleetConfig#portOf}).
     */
    private final InetSocketAddress[] remotes;

    private final InetSocketAddress[] locals;
    private final List<LoopStats> allStats = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<LoopStats> loopStats =
            new FastThreadLocal<>() {
                @Override
                protected LoopStats initialValue() {
                    LoopStats s = new LoopStats();
                    allStats.add(s);
                    return s;
                }
            };
    private final FastThreadLocal<PusherSigning> signing;
    private final FastThreadLocal<byte[][]> scratch =
            new FastThreadLocal<>() {
                @Override
                protected byte[][] initialValue() {
                    return new byte[][] {new byte[1024]};
                }
            };
    private final AtomicLongArray offLoop = new AtomicLongArray(Counter.COUNT);
    private final AtomicReferenceArray<WsConnection> conns;
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Semaphore permits;
    private final Thread ramp;

    volatile boolean activity;
    volatile boolean closing;
    private volatile long firstConnect = Long.MAX_VALUE;

    // reconnect-storm: the storm's moment (Clock.now() epoch nanos, 0 until armed), the marker
    // event's name as it appears in a frame, and per local slot whether its re-subscription and
    // its return have been counted (bit 1, bit 2): a slot counts once however often it reconnects
    private volatile long stormAt;
    final byte[] markerEvent;
    private final AtomicIntegerArray stormState;
    // per local slot its marker channel's number (FleetConfig#markerChannels), -1 if it stays;
    // per marker channel the clients waiting on it: subscribed again, not yet back
    private final int[] markerOf;
    private final AtomicIntegerArray waiting;
    private final AtomicLong waitingChanges = new AtomicLong();

    public Fleet(FleetConfig cfg) {
        this.cfg = cfg;
        this.plan = cfg.plan();
        this.path = "/app/" + cfg.appKey() + "?protocol=7&client=herald-bench&version=0.1";
        int[] ports = cfg.ports();
        this.hostHeaders = new String[ports.length];
        this.remotes = new InetSocketAddress[ports.length];
        for (int i = 0; i < ports.length; i++) {
            hostHeaders[i] = cfg.host() + ":" + ports[i];
            remotes[i] = new InetSocketAddress(cfg.host(), ports[i]);
        }
        int senders = 0;
        for (int s = cfg.from(); s < cfg.to(); s++) {
            if (s < cfg.senders()) {
                senders++;
            }
        }
        this.sendersHere = senders;
        this.senderPeriodNanos = periodNanos(cfg.rate(), senders);
        this.togglePeriodNanos =
                cfg.mode() == FleetMode.PRESENCE ? periodNanos(cfg.rate(), cfg.size()) : 0;
        this.churnPeriodNanos =
                cfg.mode() == FleetMode.CHURN ? periodNanos(cfg.rate(), cfg.size()) : 0;
        this.signing =
                new FastThreadLocal<>() {
                    @Override
                    protected PusherSigning initialValue() {
                        return new PusherSigning(cfg.appKey(), cfg.appSecret());
                    }
                };
        this.transport =
                Transport.create(cfg.transport(), cfg.threads(), "bench-ws", cfg.recvBufferRing());
        this.locals = parseLocals(cfg.localAddresses());
        this.bootstrap =
                new Bootstrap()
                        .group(transport.group)
                        .channel(transport.channelClass)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        if (cfg.recvBufferRing() && transport.name.equals("io_uring")) {
            bootstrap.option(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, Transport.BUFFER_GROUP);
        }
        this.conns = new AtomicReferenceArray<>(cfg.size());
        this.markerEvent = Bytes.ascii(FleetConfig.markerEvent(cfg.eventName()) + "\"");
        this.stormState = new AtomicIntegerArray(cfg.mode() == FleetMode.STORM ? cfg.size() : 0);
        this.markerOf = new int[stormState.length()];
        int markers = 0;
        if (cfg.mode() == FleetMode.STORM && cfg.stormPort() != 0) {
            List<String> names = FleetConfig.markerChannels(plan, cfg.ports(), cfg.stormPort());
            Map<String, Integer> number = new HashMap<>();
            for (int c = 0; c < names.size(); c++) {
                number.put(names.get(c), c);
            }
            for (int i = 0; i < markerOf.length; i++) {
                int slot = cfg.from() + i;
                markerOf[i] =
                        cfg.moves(slot) ? number.get(plan.nameOf(slot, plan.perConn() - 1)) : -1;
            }
            markers = names.size();
        }
        this.waiting = new AtomicIntegerArray(markers);
        this.permits = new Semaphore(cfg.maxPending());
        this.ramp = new Thread(this::rampLoop, "bench-ramp");
        this.ramp.setDaemon(true);
    }

    /** Per-connection period for a total rate over {@code count} connections; 0 = no pacing. */
    private static long periodNanos(double totalRate, int count) {
        if (totalRate <= 0 || count <= 0) {
            return 0;
        }
        return Math.max(1, (long) (1e9 * count / totalRate));
    }

    public String transportName() {
        return transport.name;
    }

    public void start() {
        ramp.start();
    }

    private void rampLoop() {
        long start = System.nanoTime();
        firstConnect = Clock.now();
        for (int k = 0; k < cfg.size() && !closing; k++) {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                return;
            }
            if (cfg.connectRate() > 0) {
                long due = start + (long) (k * 1e9 / cfg.connectRate());
                long wait;
                while ((wait = due - System.nanoTime()) > 0 && !closing) {
                    LockSupport.parkNanos(wait);
                }
            }
            connect(cfg.from() + k);
        }
    }

    private void connect(int slot) {
        if (closing) {
            return;
        }
        offLoop.incrementAndGet(Counter.CONNECT_STARTED.ordinal());
        int port = cfg.portOf(slot);
        WsConnection c = new WsConnection(this, slot, port, false);
        ChannelFuture f = connect(c, slot, port);
        f.addListener(
                done -> {
                    if (!done.isSuccess()) {
                        offLoop.incrementAndGet(Counter.CONNECT_FAILED.ordinal());
                        error("connect: " + done.cause().getMessage());
                        setupDone();
                        churnAgain(slot, Clock.now());
                    }
                });
    }

    private ChannelFuture connect(WsConnection c, int slot, int port) {
        Bootstrap b = bootstrap.clone().handler(c);
        InetSocketAddress remote = new InetSocketAddress(cfg.host(), port);
        for (InetSocketAddress r : remotes) {
            if (r.getPort() == port) {
                remote = r;
            }
        }
        return locals == null ? b.connect(remote) : b.connect(remote, locals[slot % locals.length]);
    }

    // ---- reconnect-storm ----

    /**
     * Arms the storm: from now on a connection the server closes reconnects to a surviving node as
     * a Pusher client would, and times count from {@code at} (Clock.now() epoch nanos).
     */
    public void storm(long at) {
        stormAt = at;
    }

    long stormAt() {
        return stormAt;
    }

    /** Opens the slot's next connection, to its surviving node, after {@code delayMs}. */
    void reconnect(int slot, long delayMs) {
        if (closing) {
            return;
        }
        if (delayMs <= 0) {
            reconnectNow(slot);
        } else {
            transport.group.schedule(() -> reconnectNow(slot), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void reconnectNow(int slot) {
        if (closing) {
            return;
        }
        offLoop.incrementAndGet(Counter.CONNECT_STARTED.ordinal());
        offLoop.incrementAndGet(Counter.STORM_RECONNECTS.ordinal());
        int port = cfg.survivorPortOf(slot);
        WsConnection c = new WsConnection(this, slot, port, true);
        connect(c, slot, port)
                .addListener(
                        done -> {
                            if (!done.isSuccess()) {
                                offLoop.incrementAndGet(Counter.STORM_RECONNECT_FAILED.ordinal());
                                error("reconnect: " + done.cause().getMessage());
                                reconnect(slot, cfg.reconnectDelayAbruptMs());
                            }
                        });
    }

    /**
     * True the first time the slot's re-subscription is counted; its marker channel then has a
     * client waiting.
     */
    boolean firstResubscription(int slot) {
        if (!flagOnce(slot, 1)) {
            return false;
        }
        changeWaiting(slot, 1);
        return true;
    }

    /** True the first time the slot is counted back; it no longer waits for a marker. */
    boolean firstBack(int slot) {
        if (!flagOnce(slot, 2)) {
            return false;
        }
        if ((stormState.get(slot - cfg.from()) & 1) != 0) {
            changeWaiting(slot, -1);
        }
        return true;
    }

    private void changeWaiting(int slot, int delta) {
        int c = markerOf[slot - cfg.from()];
        if (c >= 0) {
            waiting.addAndGet(c, delta);
            waitingChanges.incrementAndGet();
        }
    }

    /**
     * reconnect-storm: the marker channels (by number) with a client waiting for a marker: one that
     * has subscribed again and is not back yet.
     */
    public BitSet waitingMarkers() {
        BitSet b = new BitSet(waiting.length());
        for (int c = 0; c < waiting.length(); c++) {
            if (waiting.get(c) > 0) {
                b.set(c);
            }
        }
        return b;
    }

    /** Counts changes to {@link #waitingMarkers}: a child reports the set when this moved. */
    public long waitingChanges() {
        return waitingChanges.get();
    }

    private boolean flagOnce(int slot, int bit) {
        int i = slot - cfg.from();
        while (true) {
            int s = stormState.get(i);
            if ((s & bit) != 0) {
                return false;
            }
            if (stormState.compareAndSet(i, s, s | bit)) {
                return true;
            }
        }
    }

    /** A connection finished setting up (ready or failed): let the ramp start another. */
    void setupDone() {
        permits.release();
    }

    /** Churn: open the slot's next connection, paced to the cycle rate. */
    void churnAgain(int slot, long cycleStart) {
        if (cfg.mode() != FleetMode.CHURN || closing) {
            return;
        }
        long delay = churnPeriodNanos == 0 ? 0 : cycleStart + churnPeriodNanos - Clock.now();
        if (delay <= 0) {
            connect(slot);
        } else {
            transport.group.schedule(() -> connect(slot), delay, TimeUnit.NANOSECONDS);
        }
    }

    void register(WsConnection c) {
        conns.set(c.slot - cfg.from(), c);
    }

    void unregister(WsConnection c) {
        conns.compareAndSet(c.slot - cfg.from(), c, null);
    }

    /**
     * The upgrade request's path: the Pusher endpoint, or for nchan the subscriber location
     * followed by the slot's channels, which the upgrade itself subscribes to.
     */
    String pathOf(int slot) {
        if (cfg.target() != Target.NCHAN) {
            return path;
        }
        StringBuilder sb = new StringBuilder(cfg.nchanSubPath());
        for (int j = 0; j < plan.perConn(); j++) {
            sb.append(j > 0 ? "," : "").append(plan.name(plan.channelOf(slot, j)));
        }
        return sb.toString();
    }

    /** The Host header for an upgrade request to the node on {@code port}. */
    String hostHeader(int port) {
        for (int i = 0; i < hostHeaders.length; i++) {
            if (remotes[i].getPort() == port) {
                return hostHeaders[i];
            }
        }
        return cfg.host() + ":" + port;
    }

    LoopStats stats() {
        return loopStats.get();
    }

    PusherSigning signing() {
        return signing.get();
    }

    byte[] scratch(int atLeast) {
        byte[][] holder = scratch.get();
        if (holder[0].length < atLeast) {
            holder[0] = new byte[Math.max(atLeast, holder[0].length * 2)];
        }
        return holder[0];
    }

    boolean isSender(int slot) {
        return slot < cfg.senders();
    }

    void error(String message) {
        String key = ErrorKinds.normalize(message);
        LongAdder a = errors.get(key);
        if (a == null && errors.size() < MAX_ERROR_KINDS) {
            a = errors.computeIfAbsent(key, k -> new LongAdder());
        }
        if (a != null) {
            a.increment();
        }
    }

    /** Error messages seen, with counts (at most 50 kinds). */
    public Map<String, Long> errors() {
        Map<String, Long> m = new LinkedHashMap<>();
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    public void startActivity() {
        activity = true;
        for (int i = 0; i < conns.length(); i++) {
            WsConnection c = conns.get(i);
            if (c != null) {
                c.channel.eventLoop().execute(c::startActivity);
            }
        }
    }

    public void stopActivity() {
        activity = false;
        if (cfg.mode() == FleetMode.CHURN) {
            // connections still in their lifetime close now; those still subscribing close once
            // subscribed (WsConnection#live)
            closing = true;
            for (int i = 0; i < conns.length(); i++) {
                WsConnection c = conns.get(i);
                if (c != null) {
                    c.channel.eventLoop().execute(c::beginClose);
                }
            }
        }
    }

    /** Cumulative counters only; safe from any thread, does not touch histograms. */
    public long[] counters() {
        long[] c = new long[Counter.COUNT];
        for (LoopStats s : allStats) {
            s.addCountersTo(c);
        }
        for (int i = 0; i < c.length; i++) {
            c[i] += offLoop.get(i);
        }
        return c;
    }

    /** Counters plus the histograms recorded since the previous call. One caller thread only. */
    public Snapshot snapshot() {
        Snapshot s = new Snapshot();
        for (LoopStats ls : allStats) {
            ls.addCountersTo(s.counters);
            ls.drainInto(s.latency, s.setup);
            s.lastEstablished = Math.max(s.lastEstablished, ls.lastEstablished());
            s.lastReady = Math.max(s.lastReady, ls.lastReady());
        }
        for (int i = 0; i < s.counters.length; i++) {
            s.counters[i] += offLoop.get(i);
        }
        s.firstConnect = firstConnect;
        if (cfg.mode() == FleetMode.STORM) {
            s.back = Histograms.create();
            s.resubscribed = Histograms.create();
            for (LoopStats ls : allStats) {
                ls.drainStormInto(s.back, s.resubscribed);
                s.lastBack = Math.max(s.lastBack, ls.lastBack());
            }
        }
        return s;
    }

    /** Closes every connection with a close frame and stops the event loops. */
    @Override
    public void close() {
        closing = true;
        activity = false;
        ramp.interrupt();
        for (int i = 0; i < conns.length(); i++) {
            WsConnection c = conns.get(i);
            if (c != null) {
                c.channel.eventLoop().execute(c::beginClose);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counters()[Counter.OPEN.ordinal()] > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        transport.close();
    }

    static InetSocketAddress[] parseLocals(String spec) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    out.add(local(InetAddress.getByName(p)));
                    continue;
                }
                byte[] a = InetAddress.getByName(p.substring(0, dash)).getAddress();
                byte[] b = InetAddress.getByName(p.substring(dash + 1)).getAddress();
                long lo = toLong(a);
                long hi = toLong(b);
                if (a.length != 4 || b.length != 4 || hi < lo || hi - lo > 1024) {
                    throw new IllegalArgumentException("bad --local-addresses range " + p);
                }
                for (long v = lo; v <= hi; v++) {
                    out.add(
                            local(
                                    InetAddress.getByAddress(
                                            new byte[] {
                                                (byte) (v >> 24),
                                                (byte) (v >> 16),
                                                (byte) (v >> 8),
                                                (byte) v
                                            })));
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad --local-addresses " + p, e);
            }
        }
        return out.toArray(new InetSocketAddress[0]);
    }

    private static InetSocketAddress local(InetAddress a) {
        if (!a.isLoopbackAddress()) {
            throw new IllegalArgumentException(
                    "--local-addresses must be loopback addresses: " + a);
        }
        return new InetSocketAddress(a, 0);
    }

    private static long toLong(byte[] a) {
        return ((a[0] & 0xffL) << 24)
                | ((a[1] & 0xffL) << 16)
                | ((a[2] & 0xffL) << 8)
                | (a[3] & 0xffL);
    }

    public int sendersHere() {
        return sendersHere;
    }
}
