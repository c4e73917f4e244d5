package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Every meter Herald exposes, named once here (Prometheus names start with {@code herald_}). Parts
 * ask for their meters through the typed methods below, so a name is never spelled twice.
 */
public final class HeraldMetrics {

    public static final String HISTORY_EVENTS = "herald.history.events";
    public static final String HISTORY_BYTES = "herald.history.bytes";
    public static final String HISTORY_EVICTED = "herald.history.evicted";
    public static final String CONNECTIONS = "herald.connections";
    public static final String CONNECTIONS_OPENED = "herald.connections.opened";
    public static final String CONNECTIONS_REFUSED = "herald.connections.refused";
    public static final String CHANNELS = "herald.channels";
    public static final String SUBSCRIPTIONS = "herald.subscriptions";
    public static final String MESSAGES_RECEIVED = "herald.messages.received";
    public static final String BYTES_RECEIVED = "herald.received";
    public static final String MESSAGES_SENT = "herald.messages.sent";
    public static final String BYTES_SENT = "herald.sent";
    public static final String CLIENT_EVENTS = "herald.client.events";
    public static final String CLIENT_EVENTS_RATE_LIMITED = "herald.client.events.rate.limited";
    public static final String SLOW_CONSUMER_CLOSES = "herald.slow.consumer.closes";
    public static final String MESSAGE_RATE_CLOSES = "herald.message.rate.closes";
    public static final String HTTP_REQUESTS = "herald.http.requests";
    public static final String HTTP_RATE_LIMITED = "herald.http.rate.limited";
    public static final String EVENT_LOOP_DELAY = "herald.event.loop.delay";
    public static final String EVENT_LOOPS_STUCK = "herald.event.loops.stuck";
    public static final String FRAMES_REFUSED = "herald.frames.refused";
    public static final String WEBHOOKS_SENT = "herald.webhooks.sent";
    public static final String WEBHOOK_ATTEMPTS_FAILED = "herald.webhook.attempts.failed";
    public static final String WEBHOOKS_RETRIED = "herald.webhooks.retried";
    public static final String WEBHOOKS_DROPPED = "herald.webhooks.dropped";
    public static final String WEBHOOK_QUEUE_DEPTH = "herald.webhook.queue.depth";
    public static final String WEBHOOK_EVENTS_DROPPED = "herald.webhook.events.dropped";
    public static final String WEBHOOK_HELD = "herald.webhook.held";
    public static final String CONSOLE_VIEWERS = "herald.console.viewers";
    public static final String CONSOLE_EVENTS_DROPPED = "herald.console.events.dropped";

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final ConcurrentHashMap<String, AppMeters> apps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> httpRequests = new ConcurrentHashMap<>();

    private HeraldMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
        this.registry = registry;
        this.prometheus = prometheus;
    }

    /** Metrics scraped by Prometheus, with the standard JVM and process meters. */
    public static HeraldMetrics prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return new HeraldMetrics(registry, registry);
    }

    /**
     * Metrics that nobody reads: a Prometheus registry of its own, without the JVM's meters, so
     * that code run for practice (the start-up warm-up) records into the same kinds of meters as
     * the real ones without counting in them.
     */
    public static HeraldMetrics detached() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new HeraldMetrics(registry, registry);
    }

    /** In-memory metrics, for tests and embedding. */
    public static HeraldMetrics inMemory() {
        return new HeraldMetrics(new SimpleMeterRegistry(), null);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, or an empty string when not scraping. */
    public String scrape() {
        return prometheus == null ? "" : prometheus.scrape();
    }

    // -- connections and traffic

    /** The app's traffic meters (created on first use, then cached). */
    public AppMeters forApp(String appId) {
        return apps.computeIfAbsent(
                appId,
                id ->
                        new AppMeters(
                                Counter.builder(CONNECTIONS_OPENED)
                                        .description("WebSocket connections accepted")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(MESSAGES_RECEIVED)
                                        .description("WebSocket messages received")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(BYTES_RECEIVED)
                                        .baseUnit("bytes")
                                        .description("WebSocket payload bytes received")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(MESSAGES_SENT)
                                        .description("WebSocket messages sent")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(BYTES_SENT)
                                        .baseUnit("bytes")
                                        .description("WebSocket bytes sent, headers included")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(CLIENT_EVENTS)
                                        .description("Client events accepted and relayed")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(CLIENT_EVENTS_RATE_LIMITED)
                                        .description(
                                                "Client events refused by the rate limit (4301)")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(SLOW_CONSUMER_CLOSES)
                                        .description("Connections closed as slow consumers (4100)")
                                        .tag("app", id)
                                        .register(registry),
                                Counter.builder(MESSAGE_RATE_CLOSES)
                                        .description(
                                                "Connections closed for sending more messages "
                                                        + "than their budget (4100)")
                                        .tag("app", id)
                                        .register(registry)));
    }

    /** Gauges read from the hub's own counters, which change where the state changes. */
    public void appGauges(
            String appId,
            Supplier<Number> connections,
            Supplier<Number> channels,
            Supplier<Number> subscriptions) {
        Gauge.builder(CONNECTIONS, connections)
                .description("Open WebSocket connections")
                .tag("app", appId)
                .register(registry);
        Gauge.builder(CHANNELS, channels)
                .description("Channels with subscribers on this node")
                .tag("app", appId)
                .register(registry);
        Gauge.builder(SUBSCRIPTIONS, subscriptions)
                .description("Channel subscriptions on this node")
                .tag("app", appId)
                .register(registry);
    }

    /** A connection refused before it started: over a quota, a rate, or the node's capacity. */
    public Counter connectionsRefused(String reason) {
        return Counter.builder(CONNECTIONS_REFUSED)
                .description("WebSocket connections refused")
                .tag("reason", reason)
                .register(registry);
    }

    public Counter httpRequests(String route, int status) {
        return httpRequests.computeIfAbsent(
                route + ' ' + status,
                k ->
                        Counter.builder(HTTP_REQUESTS)
                                .description("HTTP API requests")
                                .tag("route", route)
                                .tag("status", Integer.toString(status))
                                .register(registry));
    }

    /** Inbound WebSocket frames refused by the decoder: too big (1009) or malformed (1002). */
    public Counter framesRefused(int closeCode) {
        return Counter.builder(FRAMES_REFUSED)
                .description("WebSocket frames refused, by close code")
                .tag("code", Integer.toString(closeCode))
                .register(registry);
    }

    public Counter httpRateLimited(String appId) {
        return Counter.builder(HTTP_RATE_LIMITED)
                .description("HTTP API requests refused with 429")
                .tag("app", appId)
                .register(registry);
    }

    public Timer eventLoopDelay(int loop) {
        return Timer.builder(EVENT_LOOP_DELAY)
                .description("Time a task waits in an event loop's queue, sampled every second")
                .tag("loop", Integer.toString(loop))
                .register(registry);
    }

    /** The in-memory channel history of a single node (docs/recovery.md). */
    public void channelHistory(
            Supplier<Number> events, Supplier<Number> bytes, Supplier<Number> evicted) {
        Gauge.builder(HISTORY_EVENTS, events)
                .description("Events kept in channel history on this node")
                .register(registry);
        Gauge.builder(HISTORY_BYTES, bytes)
                .description(
                        "Bytes of channel history on this node, overheads included; bounded by "
                                + "HERALD_HISTORY_MAX_BYTES")
                .baseUnit("bytes")
                .register(registry);
        FunctionCounter.builder(HISTORY_EVICTED, evicted, n -> n.get().doubleValue())
                .description(
                        "History events dropped to stay within HERALD_HISTORY_MAX_BYTES before "
                                + "their size or age let them go")
                .register(registry);
    }

    public void eventLoopsStuck(Supplier<Number> stuck) {
        Gauge.builder(EVENT_LOOPS_STUCK, stuck)
                .description(
                        "Event loops that have not turned within HERALD_EVENT_LOOP_STUCK_SECONDS; /health is 503 "
                                + "while this is above 0")
                .register(registry);
    }

    // -- the console

    public void consoleViewers(Supplier<Number> viewers) {
        Gauge.builder(CONSOLE_VIEWERS, viewers)
                .description("Debug streams open on this node (at most HERALD_CONSOLE_MAX_VIEWERS)")
                .register(registry);
    }

    public Counter consoleEventsDropped() {
        return Counter.builder(CONSOLE_EVENTS_DROPPED)
                .description(
                        "Debug-stream events not shown to a viewer: past its rate, or too much unsent")
                .register(registry);
    }

    // -- webhooks

    public Counter webhooksSent(String appId) {
        return Counter.builder(WEBHOOKS_SENT)
                .description("Webhook batches delivered (2xx)")
                .tag("app", appId)
                .register(registry);
    }

    public Counter webhookAttemptsFailed(String appId) {
        return Counter.builder(WEBHOOK_ATTEMPTS_FAILED)
                .description("Webhook attempts that failed: non-2xx, timeout or connection error")
                .tag("app", appId)
                .register(registry);
    }

    public Counter webhooksRetried(String appId) {
        return Counter.builder(WEBHOOKS_RETRIED)
                .description("Webhook batches scheduled for another attempt")
                .tag("app", appId)
                .register(registry);
    }

    public Counter webhooksDropped(String appId, String reason) {
        return Counter.builder(WEBHOOKS_DROPPED)
                .description("Webhook batches given up: retries exhausted or outbox full")
                .tag("app", appId)
                .tag("reason", reason)
                .register(registry);
    }

    /** Webhook events given up, by type and reason (queue_full, outbox_full, expired). */
    public Counter webhookEventsDropped(String appId, String type, String reason) {
        return Counter.builder(WEBHOOK_EVENTS_DROPPED)
                .description("Webhook events given up, by type and reason")
                .tag("app", appId)
                .tag("type", type)
                .tag("reason", reason)
                .register(registry);
    }

    /**
     * Estimated bytes the webhook path holds, by stage: {@code queue} (intake) or {@code outbox}.
     */
    public void webhookHeldBytes(String stage, Supplier<Number> bytes) {
        Gauge.builder(WEBHOOK_HELD, bytes)
                .baseUnit("bytes")
                .description("Bytes held for webhooks, by stage")
                .tag("stage", stage)
                .register(registry);
    }

    public void webhookQueueDepth(Supplier<Number> depth) {
        Gauge.builder(WEBHOOK_QUEUE_DEPTH, depth)
                .description("Webhook batches waiting to be delivered")
                .register(registry);
    }
}
