package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * Every meter Herald exposes, named once here (Prometheus names start with {@code herald_}).
 * Parts ask for their meters through the typed methods below, so a name is never spelled twice.
 */
public final class HeraldMetrics {

    public static final String WEBHOOKS_SENT = "herald.webhooks.sent";
    public static final String WEBHOOK_ATTEMPTS_FAILED = "herald.webhook.attempts.failed";
    public static final String WEBHOOKS_RETRIED = "herald.webhooks.retried";
    public static final String WEBHOOKS_DROPPED = "herald.webhooks.dropped";
    public static final String WEBHOOK_QUEUE_DEPTH = "herald.webhook.queue.depth";

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;

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

    // -- webhooks

    public Counter webhooksSent(String appId) {
        return Counter.builder(WEBHOOKS_SENT).description("Webhook batches delivered (2xx)")
                .tag("app", appId).register(registry);
    }

    public Counter webhookAttemptsFailed(String appId) {
        return Counter.builder(WEBHOOK_ATTEMPTS_FAILED)
                .description("Webhook attempts that failed: non-2xx, timeout or connection error")
                .tag("app", appId).register(registry);
    }

    public Counter webhooksRetried(String appId) {
        return Counter.builder(WEBHOOKS_RETRIED).description("Webhook batches scheduled for another attempt")
                .tag("app", appId).register(registry);
    }

    public Counter webhooksDropped(String appId, String reason) {
        return Counter.builder(WEBHOOKS_DROPPED)
                .description("Webhook batches given up: retries exhausted or outbox full")
                .tag("app", appId).tag("reason", reason).register(registry);
    }

    public void webhookQueueDepth(Supplier<Number> depth) {
        Gauge.builder(WEBHOOK_QUEUE_DEPTH, depth).description("Webhook batches waiting to be delivered")
                .register(registry);
    }
}
