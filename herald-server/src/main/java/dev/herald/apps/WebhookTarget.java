package dev.herald.apps;

import java.net.URI;
import java.util.Objects;
import java.util.Set;

/**
 * Where an app's webhooks go, and which of them (docs/protocol.md §6).
 *
 * @param url the receiver, http or https
 * @param eventTypes event names to send ({@code channel_occupied}, ...); empty means all
 * @param channelPrefix only events of channels starting with this; {@code null} means all
 */
public record WebhookTarget(URI url, Set<String> eventTypes, String channelPrefix) {

    public static final Set<String> EVENT_TYPES =
            Set.of(
                    "channel_occupied",
                    "channel_vacated",
                    "member_added",
                    "member_removed",
                    "client_event",
                    "cache_miss",
                    "subscription_count");

    public WebhookTarget {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (scheme == null
                || !(scheme.equals("http") || scheme.equals("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException(
                    "webhook url must be an absolute http(s) URL, got " + url);
        }
        eventTypes = Set.copyOf(eventTypes);
        for (String type : eventTypes) {
            if (!EVENT_TYPES.contains(type)) {
                throw new IllegalArgumentException(
                        "unknown webhook event type '"
                                + type
                                + "'; known: "
                                + EVENT_TYPES.stream().sorted().toList());
            }
        }
    }

    public static WebhookTarget all(URI url) {
        return new WebhookTarget(url, Set.of(), null);
    }

    /** Whether an event of this type on this channel goes to this target. */
    public boolean wants(String eventType, String channel) {
        return (eventTypes.isEmpty() || eventTypes.contains(eventType))
                && (channelPrefix == null || channel.startsWith(channelPrefix));
    }

    /** Whether any event of this type can go here (to skip work early). */
    public boolean wantsType(String eventType) {
        return eventTypes.isEmpty() || eventTypes.contains(eventType);
    }
}
