package dev.herald.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.http.ApiException;
import dev.herald.protocol.Json;
import dev.herald.webhooks.ReplayResult;
import dev.herald.webhooks.WebhookDispatcher;
import dev.herald.webhooks.WebhookReport;

/** The webhooks' report and replay as the console's API answers them (docs/console.md). */
public final class ConsoleWebhooks implements Console.Webhooks {

    private final WebhookDispatcher dispatcher;

    public ConsoleWebhooks(WebhookDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public Object report(String appId) {
        WebhookReport report = dispatcher.report(appId);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode targets = out.putArray("targets");
        for (WebhookReport.TargetLog target : report.targets()) {
            ObjectNode t = targets.addObject();
            t.put("url", target.target());
            ArrayNode deliveries = t.putArray("deliveries");
            for (WebhookReport.Delivery d : target.deliveries()) {
                ObjectNode one = deliveries.addObject();
                one.put("id", d.id());
                one.put("time", d.time());
                one.put("events", d.events());
                one.set("event_types", Json.MAPPER.valueToTree(d.eventTypes()));
                one.put("first_event", d.firstEvent());
                one.put("bytes", d.bytes());
                one.put("status", d.status());
                one.put("reason", d.reason());
                one.put("attempt", d.attempts());
                one.put("latency_ms", d.latencyMs());
                if (d.nextRetryAt() == null) {
                    one.putNull("next_retry");
                } else {
                    one.put("next_retry", d.nextRetryAt());
                }
                one.put("outcome", d.outcome().wireName());
                one.put("replayable", d.replayable());
                one.put("replay_of", d.replayOf());
            }
        }
        ArrayNode failed = out.putArray("failed");
        for (WebhookReport.FailedBatch f : report.failed()) {
            ObjectNode one = failed.addObject();
            one.put("id", f.id());
            one.put("time", f.time());
            one.put("failed_at", f.failedAt());
            one.put("url", f.target());
            one.put("events", f.events());
            one.set("event_types", Json.MAPPER.valueToTree(f.eventTypes()));
            one.put("bytes", f.bytes());
            one.put("outcome", f.outcome().wireName());
            one.put("status", f.status());
            one.put("reason", f.reason());
            one.put("attempts", f.attempts());
            one.put("replayable", f.replayable());
            one.put("not_replayable", f.notReplayable());
        }
        ArrayNode drops = out.putArray("drops");
        for (WebhookReport.DropCount d : report.drops()) {
            ObjectNode one = drops.addObject();
            one.put("type", d.type());
            one.put("reason", d.reason());
            one.put("count", d.events());
        }
        out.set("kept", Json.MAPPER.valueToTree(report.kept()));
        return out;
    }

    @Override
    public Object replay(String appId, String batchId) throws ApiException {
        ReplayResult result = dispatcher.replay(appId, batchId);
        switch (result.status()) {
            case REPLAYED -> {
                ObjectNode out = Json.MAPPER.createObjectNode();
                out.put("replayed", true);
                out.put("delivery", result.deliveryId());
                return out;
            }
            case NOT_FOUND -> throw new ApiException(404, result.message());
            case NOT_REPLAYABLE -> throw new ApiException(409, result.message());
            default -> throw new ApiException(503, result.message());
        }
    }
}
