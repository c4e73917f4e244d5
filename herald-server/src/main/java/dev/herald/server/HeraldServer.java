package dev.herald.server;

import dev.herald.activity.ActivityFeed;
import dev.herald.activity.ActivityTap;
import dev.herald.activity.LocalActivityFeed;
import dev.herald.activity.LocalStatsHistory;
import dev.herald.activity.StatsHistory;
import dev.herald.apps.App;
import dev.herald.apps.AppStore;
import dev.herald.apps.CompositeAppStore;
import dev.herald.apps.StaticAppStore;
import dev.herald.apps.jdbc.JdbcAppStore;
import dev.herald.apps.jdbc.JdbcApps;
import dev.herald.apps.jdbc.JdbcDatabase;
import dev.herald.auth.Authenticators;
import dev.herald.broker.Broker;
import dev.herald.broker.LocalBroker;
import dev.herald.cache.ChannelCache;
import dev.herald.cache.LocalChannelCache;
import dev.herald.cluster.ClusterView;
import dev.herald.cluster.LocalClusterView;
import dev.herald.cluster.LocalDecisions;
import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import dev.herald.config.ServerSettings;
import dev.herald.console.Console;
import dev.herald.console.ConsoleWebhooks;
import dev.herald.history.ChannelHistory;
import dev.herald.history.LocalChannelHistory;
import dev.herald.http.EventsApi;
import dev.herald.http.Health;
import dev.herald.http.HttpRouter;
import dev.herald.http.OpsRouter;
import dev.herald.http.TrustedProxies;
import dev.herald.hub.ChannelTable;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.PusherError;
import dev.herald.redis.RedisActivityFeed;
import dev.herald.redis.RedisBroker;
import dev.herald.redis.RedisChannelCache;
import dev.herald.redis.RedisChannelHistory;
import dev.herald.redis.RedisClusterState;
import dev.herald.redis.RedisClusterView;
import dev.herald.redis.RedisConnections;
import dev.herald.redis.RedisRemovalMarks;
import dev.herald.redis.RedisStatsHistory;
import dev.herald.redis.RedisTarget;
import dev.herald.session.PresenceNotifier;
import dev.herald.session.SessionContext;
import dev.herald.session.SocketIds;
import dev.herald.session.SubscriptionCounter;
import dev.herald.session.WatchlistNotifier;
import dev.herald.settings.Setting;
import dev.herald.transport.FanoutSenders;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.Transports;
import dev.herald.transport.WebSocketUpgrade;
import dev.herald.webhooks.RemovalMarks;
import dev.herald.webhooks.WebhookDispatcher;
import io.micrometer.core.instrument.Timer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part from the config, wires them by constructor, and owns
 * their lifecycle ({@link #start()}, {@link #close()}).
 */
public final class HeraldServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeraldServer.class);

    private final HeraldConfig config;

    /**
     * After the grace period, how long a loop that is behind (busy with deliveries) may take to
     * tell its last clients 4200 before it is given up as stuck.
     */
    static final long LATE_LOOP_MILLIS = 3_000;

    /**
     * Time after the last clients were told 4200 for their close frames to drain and the clients to
     * answer; a connection cuts itself 2 s after its close frame in any case.
     */
    static final long DRAIN_MARGIN_MILLIS = 2_500;

    /**
     * How long a step that needs an event loop (closing the listener, stopping a loop group) is
     * waited for; a loop stuck in a task would otherwise hold the process forever.
     */
    static final long LOOP_WAIT_MILLIS = 3_000;

    private static final String CLOSING = "Server is closing. Please reconnect shortly.";

    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Hub hub;
    private EventLoopGroup group;
    private final HeraldMetrics metrics;
    private Broker broker;
    private ChannelCache cache;
    private ChannelHistory channelHistory;
    private WebhookDispatcher webhooks;
    private RedisConnections redis;
    private RedisClusterState cluster;
    private JdbcAppStore jdbcApps;
    private Channel metricsChannel;
    private Console console;
    private ActivityFeed activity;
    private StatsHistory history;

    /** The ops port's own loop, so that /health answers (503) while the main loops are stuck. */
    private EventLoopGroup opsGroup;

    private Watchdog watchdog;
    private WarmUp.Result warmedUp;
    private Channel serverChannel;
    private Transports transports;
    private FanoutSenders senders;

    public HeraldServer(HeraldConfig config) {
        this(config, HeraldMetrics.prometheus());
    }

    public HeraldServer(HeraldConfig config, HeraldMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    public HeraldMetrics metrics() {
        return metrics;
    }

    /** The bound metrics port, or -1 when the metrics listener is off. */
    public int metricsPort() {
        return metricsChannel == null
                ? -1
                : ((InetSocketAddress) metricsChannel.localAddress()).getPort();
    }

    public HeraldServer start() throws InterruptedException {
        transports = Transports.select(config.transport());
        senders =
                FanoutSenders.open(
                        config.fanoutSend(), transports.kind(), config.effectiveEventLoopThreads());
        group =
                new MultiThreadIoEventLoopGroup(
                        config.effectiveEventLoopThreads(), transports.ioHandlerFactory());
        List<EventExecutor> loops = new ArrayList<>();
        group.iterator().forEachRemaining(loops::add);

        AppStore apps = appStore();
        if (jdbcApps != null) {
            config.refuseDefaultSecretWhenExposed(apps.all());
        }
        SocketIds socketIds = new SocketIds();
        String node = socketIds.node();
        boolean consoleOn = config.console().enabled() && config.metricsPort() >= 0;
        if (config.redis() != null) {
            HeraldConfig.Redis r = config.redis();
            redis =
                    new RedisConnections(
                            new RedisTarget(
                                    r.url(),
                                    r.clusterNodes(),
                                    r.username(),
                                    r.password(),
                                    r.tls(),
                                    r.shardedPubSub()));
        }
        if (redis == null || !consoleOn) {
            activity = new LocalActivityFeed().start();
            history = new LocalStatsHistory().start();
        } else {
            // any node's console shows the whole cluster, and a restarted node keeps the charts
            activity = new RedisActivityFeed(redis, node).start();
            history = new RedisStatsHistory(redis).start();
        }
        // without a console nothing is ever watched: the session reports to no one
        ActivityTap tap = consoleOn ? activity : ActivityTap.NOOP;
        Authenticators authenticators = new Authenticators();
        ChannelTable table = new ChannelTable(metrics);
        ClusterView view;
        ChannelObserver observer;
        if (config.redis() == null) {
            LocalChannelHistory kept =
                    new LocalChannelHistory(config.historyMaxBytes(), System::currentTimeMillis);
            metrics.channelHistory(kept::events, kept::bytes, kept::evicted);
            channelHistory = kept;
            broker = new LocalBroker(kept);
            view = new LocalClusterView(table);
            cache = new LocalChannelCache(System::currentTimeMillis).start();
            webhooks = webhooks(authenticators, view, RemovalMarks.LOCAL, tap, node);
            observer = observers(new LocalDecisions(decisions()), view, table);
            hub = new Hub(loops, table, broker, observer, appId -> 0, senders.perLoop());
            broker.start(hub);
        } else {
            // one node of a cluster: publications, cluster-wide state and caches go through Redis
            broker = new RedisBroker(redis, node);
            // every node reads and records the same history: a client may come back to any node
            channelHistory = new RedisChannelHistory(redis);
            view = new RedisClusterView(redis);
            cache = new RedisChannelCache(redis);
            webhooks =
                    webhooks(
                            authenticators,
                            view,
                            RedisRemovalMarks.forDebounce(
                                    redis, node, config.webhooks().debounce()),
                            tap,
                            node);
            cluster =
                    new RedisClusterState(
                            redis,
                            node,
                            table,
                            apps,
                            TimeUnit.SECONDS.toMillis(config.nodeLeaseSeconds()),
                            decisions());
            observer = observers(cluster.localEvents(), view, table);
            hub =
                    new Hub(
                            loops,
                            table,
                            broker,
                            observer,
                            cluster::remoteConnections,
                            senders.perLoop());
            broker.start(hub);
            cluster.start();
            log.info("Clustered through Redis as node {}", node);
        }
        SessionContext sessions =
                new SessionContext(
                        hub,
                        broker,
                        view,
                        cache,
                        channelHistory,
                        observer,
                        authenticators,
                        socketIds,
                        new ConnectionLimiter(
                                config.maxConnections(), config.maxConnectionsPerIpPerSecond()),
                        metrics,
                        config.activityTimeoutSeconds(),
                        config.maxFrameBytes(),
                        config.messageBudget(),
                        tap);
        SslContext tls = tlsContext();
        WebSocketUpgrade upgrade =
                new WebSocketUpgrade(
                        config.maxFrameBytes(),
                        TimeUnit.SECONDS.toMillis(config.activityTimeoutSeconds()),
                        TimeUnit.SECONDS.toMillis(config.pongTimeoutSeconds()));
        HttpRouter router =
                new HttpRouter(
                        apps,
                        sessions,
                        upgrade,
                        this::isReady,
                        this::health,
                        metrics,
                        cluster == null ? () -> 1 : cluster::liveNodes,
                        config.pathPrefix(),
                        TrustedProxies.of(config.trustedProxies()));

        int high = config.writeBufferHighWaterMark();
        ServerBootstrap bootstrap =
                new ServerBootstrap()
                        .group(group)
                        .channel(transports.serverChannelClass())
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        // no TCP_NODELAY here: every Netty transport sets it on accepted sockets
                        // itself, and asking again costs a system call per connection
                        .childOption(
                                ChannelOption.WRITE_BUFFER_WATER_MARK,
                                new WriteBufferWaterMark(high / 2, high))
                        .childHandler(new HeraldChannelInitializer(httpLimits(), router, tls));
        transports.configureChildren(bootstrap);
        if (config.warmUp()) {
            // before the port opens: whoever finds it open (a client, a balancer, a probe of
            // /health) finds a node that is warm and ready, as without the warm-up
            warmUp(upgrade);
        }
        ChannelFuture listening = bootstrap.bind(config.host(), config.port()).await();
        if (!listening.isSuccess()) {
            throw new IllegalStateException(
                    cannotListen(
                            config.host(), config.port(), ServerSettings.PORT, listening.cause()));
        }
        serverChannel = listening.channel();
        if (consoleOn) {
            Console.Parts parts =
                    new Console.Parts(
                            node,
                            redis != null,
                            apps,
                            jdbcApps == null ? null : new JdbcApps(jdbcDatabase()),
                            this::refreshApps,
                            view,
                            hub,
                            broker,
                            new EventsApi(view, broker, cache, tap, node),
                            history,
                            activity,
                            new ConsoleWebhooks(webhooks),
                            cluster == null ? () -> 1 : cluster::liveNodes,
                            metrics);
            console = new Console(config.console(), parts).start(config.metricsPort());
        }
        if (config.metricsPort() >= 0) {
            bindMetrics();
        }
        sampleEventLoopDelay(loops);
        watch(loops);
        ready.set(true);
        log.info(
                "Herald listening on {}:{} ({}, {} transport, {} event loops, fan-out: {})",
                config.host(),
                port(),
                tls == null ? "ws/http" : "wss/https",
                transports.kind().name().toLowerCase(Locale.ROOT),
                loops.size(),
                tls == null ? senders.description() : "through the TLS pipeline");
        for (App app : apps.all()) {
            hub.meters(app.id()); // the app's gauges exist (at 0) before its first connection
            log.info("Serving {}", app);
        }
        return this;
    }

    /**
     * Runs the handshake path before the node opens its ports (see {@link WarmUp}); whatever
     * happens there, the node starts.
     */
    private void warmUp(WebSocketUpgrade upgrade) throws InterruptedException {
        try {
            warmedUp =
                    new WarmUp(
                                    group,
                                    transports,
                                    httpLimits(),
                                    upgrade,
                                    config.writeBufferHighWaterMark(),
                                    config.activityTimeoutSeconds(),
                                    config.maxFrameBytes(),
                                    config.messageBudget())
                            .run(
                                    config.warmUpConnections(),
                                    Duration.ofMillis(ServerSettings.WARM_UP_BUDGET_MILLIS));
            log.info(
                    "Warmed up: {} WebSocket connections over loopback in {} ms{}",
                    warmedUp.connections(),
                    warmedUp.took().toMillis(),
                    warmedUp.failed() == 0 ? "" : " (" + warmedUp.failed() + " failed)");
        } catch (RuntimeException e) {
            log.warn("Warm-up failed, starting without it: {}", e.toString());
        }
    }

    /** What the start-up warm-up did, or {@code null} when it did not run. */
    WarmUp.Result warmedUp() {
        return warmedUp;
    }

    private SslContext tlsContext() {
        HeraldConfig.Tls tls = config.tls();
        if (tls == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(
                            tls.certificate().toFile(), tls.privateKey().toFile())
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException(
                    "TLS: cannot use "
                            + tls.certificate()
                            + " and "
                            + tls.privateKey()
                            + " (PEM certificate chain and PKCS#8 private key expected): "
                            + e.getMessage());
        }
    }

    /**
     * Why a port could not be opened, naming the address, the port and the setting that chose it:
     * the operating system's words alone ("bind(..) failed with error(-98)") say none of that.
     */
    static String cannotListen(String host, int port, Setting<?> setting, Throwable cause) {
        String reason =
                cause == null || cause.getMessage() == null
                        ? String.valueOf(cause)
                        : cause.getMessage();
        if (reason.contains("Address already in use")) {
            reason = "the port is in use by another process";
        } else if (reason.contains("Permission denied")) {
            reason = "permission denied (ports below 1024 need privileges)";
        } else if (reason.contains("Cannot assign requested address")) {
            reason = "the address is not one of this host's";
        }
        return "cannot listen on "
                + host
                + ":"
                + port
                + " ("
                + setting.flag().subject()
                + "): "
                + reason;
    }

    /**
     * Apps from the database when one is configured (plus any given in config), else from config.
     */
    private AppStore appStore() {
        HeraldConfig.AppsDatabase database = config.appsDatabase();
        if (database == null) {
            return new StaticAppStore(config.apps());
        }
        jdbcApps = new JdbcAppStore(jdbcDatabase(), JdbcAppStore.DEFAULT_REFRESH).start();
        if (config.apps().isEmpty()) {
            return jdbcApps;
        }
        return new CompositeAppStore(List.of(new StaticAppStore(config.apps()), jdbcApps));
    }

    private WebhookDispatcher webhooks(
            Authenticators authenticators,
            ClusterView view,
            RemovalMarks marks,
            ActivityTap tap,
            String node) {
        return new WebhookDispatcher(
                config.webhooks(), authenticators, metrics, view, marks, tap, node);
    }

    /** The features that act once per cluster: member events, watchlists, webhooks. */
    private ClusterObserver decisions() {
        return ClusterObserver.of(
                List.of(new PresenceNotifier(broker), new WatchlistNotifier(broker), webhooks));
    }

    /**
     * What hears this node's changes: the cluster engine that decides (first, so decisions keep the
     * order of the changes), then the features that count locally.
     */
    private ChannelObserver observers(
            ChannelObserver decider, ClusterView view, ChannelTable table) {
        return ChannelObserver.of(
                List.of(decider, new SubscriptionCounter(broker, group, view, table), webhooks));
    }

    /** The same HTTP bounds and deadlines on the server port and the ops port. */
    private HttpLimits httpLimits() {
        return new HttpLimits(
                config.maxHttpBodyBytes(),
                TimeUnit.SECONDS.toMillis(config.httpRequestTimeoutSeconds()),
                TimeUnit.SECONDS.toMillis(config.httpIdleTimeoutSeconds()));
    }

    /** Accepting traffic, every event loop turning, and, when clustered, Redis reachable. */
    public boolean isReady() {
        return ready.get() && health().healthy() && (cluster == null || cluster.healthy());
    }

    /** The liveness verdict of {@code /health}: which event loops, if any, are stuck. */
    public Health health() {
        Watchdog current = watchdog;
        return current == null ? Health.OK : current.health();
    }

    /** The main loops and the ops port's loop, each probed by a watchdog on a thread of its own. */
    private void watch(List<EventExecutor> loops) {
        Map<String, EventExecutor> named = new LinkedHashMap<>();
        for (int i = 0; i < loops.size(); i++) {
            named.put("event-loop-" + i, loops.get(i));
        }
        if (opsGroup != null) {
            named.put("ops", opsGroup.next());
        }
        Duration stuckAfter = Duration.ofMillis(Math.round(config.eventLoopStuckSeconds() * 1000));
        Duration interval =
                Watchdog.DEFAULT_INTERVAL.compareTo(stuckAfter.dividedBy(4)) < 0
                        ? Watchdog.DEFAULT_INTERVAL
                        : stuckAfter.dividedBy(4);
        watchdog = new Watchdog(named, interval, stuckAfter).start();
        metrics.eventLoopsStuck(watchdog::stuckLoops);
    }

    /** The event loops serving clients, for tests that block one on purpose. */
    List<EventExecutor> eventLoops() {
        List<EventExecutor> loops = new ArrayList<>();
        group.iterator().forEachRemaining(loops::add);
        return loops;
    }

    /** Once a second, each loop measures how long a task waited in its queue. */
    private void sampleEventLoopDelay(List<EventExecutor> loops) {
        for (int i = 0; i < loops.size(); i++) {
            EventExecutor loop = loops.get(i);
            Timer timer = metrics.eventLoopDelay(i);
            loop.scheduleAtFixedRate(
                    () -> {
                        long queued = System.nanoTime();
                        loop.execute(
                                () ->
                                        timer.record(
                                                System.nanoTime() - queued, TimeUnit.NANOSECONDS));
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);
        }
    }

    /**
     * The ops port runs on one event loop of its own rather than on the main loops: when they are
     * stuck or dead, a supervisor polling {@code /health} here gets a 503 naming them instead of a
     * timeout, and a scrape never waits behind client traffic. One thread is enough for a few
     * requests a second.
     */
    private void bindMetrics() throws InterruptedException {
        opsGroup = new MultiThreadIoEventLoopGroup(1, transports.ioHandlerFactory());
        ChannelFuture bound =
                new ServerBootstrap()
                        .group(opsGroup)
                        .channel(transports.serverChannelClass())
                        .childHandler(
                                new HeraldChannelInitializer(
                                        httpLimits(),
                                        new OpsRouter(
                                                metrics,
                                                this::isReady,
                                                this::health,
                                                console == null
                                                        ? List.of()
                                                        : List.of(console.route())),
                                        null,
                                        false))
                        .bind(config.metricsHost(), config.metricsPort())
                        .await();
        if (bound.isSuccess()) {
            metricsChannel = bound.channel();
            log.info("Metrics, health and readiness on {}:{}", config.metricsHost(), metricsPort());
            if (console != null) {
                log.info(
                        "Console: http://{}:{}{}{}",
                        config.metricsHost(),
                        metricsPort(),
                        console.signInPath(),
                        config.console().token() == null
                                ? " (works once, for 10 minutes; `herald console-link` prints another)"
                                : "");
            }
        } else if (config.metricsPortExplicit()) {
            throw new IllegalStateException(
                    cannotListen(
                            config.metricsHost(),
                            config.metricsPort(),
                            ServerSettings.METRICS_PORT,
                            bound.cause()));
        } else {
            // the default port is taken (often by another node on the same machine): run without it
            opsGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            opsGroup = null;
            log.warn(
                    "Metrics port {} is in use; metrics are off for this node. Set HERALD_METRICS_PORT to choose "
                            + "another port.",
                    config.metricsPort());
        }
    }

    /** The running console, for tests; null when it is off. */
    public Console console() {
        return console;
    }

    private void refreshApps() {
        if (jdbcApps != null) {
            try {
                jdbcApps.refreshNow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private JdbcDatabase jdbcDatabase() {
        HeraldConfig.AppsDatabase database = config.appsDatabase();
        return new JdbcDatabase(database.url(), database.user(), database.password());
    }

    /** The bound port (useful when the config asked for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Transports transports() {
        return transports;
    }

    /**
     * Graceful stop: turns not-ready and stops accepting, tells every client to reconnect (4200)
     * spread over the grace period, waits for them to go, flushes webhooks, then releases
     * everything. Safe to call more than once.
     *
     * <p>Bounded even when event loops are behind or stuck: the clients take at most the grace plus
     * {@value #LATE_LOOP_MILLIS} ms (a loop behind on its tasks) plus {@value #DRAIN_MARGIN_MILLIS}
     * ms (the close frames of the clients it told last); without load, the grace and a round trip.
     * A stuck loop adds at most {@value #LOOP_WAIT_MILLIS} ms each to closing the listener and to
     * stopping each loop group. The webhooks, Redis and the apps database then close within bounds
     * of their own.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready.set(false);
        if (serverChannel != null
                && !serverChannel.close().awaitUninterruptibly(LOOP_WAIT_MILLIS)) {
            log.warn(
                    "The listener's event loop did not close it within {} ms; draining anyway",
                    LOOP_WAIT_MILLIS);
        }
        if (hub != null) {
            drain();
        }
        if (watchdog != null) {
            watchdog.close();
        }
        if (metricsChannel != null) {
            metricsChannel.close().syncUninterruptibly();
        }
        if (console != null) {
            console.close();
        }
        if (opsGroup != null) {
            stop(opsGroup, "ops");
        }
        if (group != null) {
            // cancels the tasks the loops have scheduled and cuts the connections still open
            boolean stopped = stop(group, "client");
            if (senders != null && stopped) {
                senders.close(); // a loop that did not stop may still send through them
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (webhooks != null) {
            webhooks.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (cache != null) {
            cache.close();
        }
        if (channelHistory != null) {
            channelHistory.close();
        }
        if (activity != null) {
            activity.close();
        }
        if (history != null) {
            history.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (jdbcApps != null) {
            jdbcApps.close();
        }
    }

    /**
     * Tells every client 4200, spread over the grace, and waits for them to go. The spread is fixed
     * from now (see {@link Hub#closeAll}); whoever is still open when it ends is told at once, by a
     * loop that may be behind, so that no client is cut by the loops' shutdown without a 4200
     * unless its loop is stuck for {@value #LATE_LOOP_MILLIS} ms past the grace. That pass also
     * tells the connections that opened after the spread began (their handshake was under way).
     */
    private void drain() {
        if (cluster != null) {
            cluster.leaveAtClose(); // the members who move to another node are never gone
        }
        long graceMillis = Math.round(config.shutdownGraceSeconds() * 1000);
        long start = System.nanoTime();
        hub.closeAll(PusherError.RECONNECT, CLOSING, graceMillis);
        long graceEnd = start + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        awaitDrained(graceEnd, null);
        if (hub.openConnections() == 0) {
            return;
        }
        CompletableFuture<Void> told = hub.closeAll(PusherError.RECONNECT, CLOSING, 0);
        long lateEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LATE_LOOP_MILLIS);
        awaitDrained(lateEnd, told);
        if (told.isDone()) {
            awaitDrained(
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MARGIN_MILLIS), null);
        } else if (hub.openConnections() > 0) {
            // a loop this late may never turn: the stop goes on without it
            log.warn(
                    "An event loop had not told its clients to reconnect {} ms after the grace;"
                            + " {} connections will be cut",
                    LATE_LOOP_MILLIS,
                    hub.openConnections());
        }
    }

    /**
     * Waits until no connection is open, {@code until} (a {@link System#nanoTime} deadline) or,
     * when given, {@code done} completes.
     */
    private void awaitDrained(long until, CompletableFuture<?> done) {
        while (hub.openConnections() > 0
                && (done == null || !done.isDone())
                && until - System.nanoTime() > 0) {
            sleep(20);
        }
    }

    /** Stops a loop group, waiting a bounded time for it (a loop stuck in a task never ends). */
    private static boolean stop(EventLoopGroup loops, String name) {
        if (!loops.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(LOOP_WAIT_MILLIS)) {
            log.warn(
                    "The {} event loops did not stop within {} ms; going on without them",
                    name,
                    LOOP_WAIT_MILLIS);
            return false;
        }
        return true;
    }
}
