package dev.herald.bench.http;

import dev.herald.bench.config.ChannelPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * What the publisher's publications go to: publication {@code s} goes to target {@code s mod T},
 * and a target is one channel or, in one request, several ({@code "channels":[…]}, at most {@value
 * #MAX_CHANNELS_PER_REQUEST} as the Pusher HTTP API allows). Each target carries the deliveries one
 * publication to it is expected to make.
 */
public final class PublishTargets {
    /** The Pusher HTTP API's most channels per event. */
    public static final int MAX_CHANNELS_PER_REQUEST = 100;

    private final List<List<String>> channels;
    private final int[] subscribers;
    private final int[] offsets;

    private PublishTargets(List<List<String>> channels, int[] subscribers) {
        if (channels.isEmpty() || channels.size() != subscribers.length) {
            throw new IllegalArgumentException("no targets, or not one subscriber count each");
        }
        for (List<String> c : channels) {
            if (c.isEmpty() || c.size() > MAX_CHANNELS_PER_REQUEST) {
                throw new IllegalArgumentException(
                        "a target names 1 to " + MAX_CHANNELS_PER_REQUEST + " channels");
            }
        }
        this.channels = channels;
        this.subscribers = subscribers;
        this.offsets = new int[channels.size()];
        for (int t = 1; t < offsets.length; t++) {
            offsets[t] = offsets[t - 1] + channels.get(t - 1).size();
        }
    }

    /** Every channel of the plan, one per publication, round-robin. */
    public static PublishTargets of(ChannelPlan plan) {
        List<List<String>> channels = new ArrayList<>();
        int[] subscribers = new int[plan.channels()];
        for (int c = 0; c < plan.channels(); c++) {
            channels.add(List.of(plan.name(c)));
            subscribers[c] = plan.subscribers(c);
        }
        return new PublishTargets(channels, subscribers);
    }

    /** One channel per publication: {@code names[i]} with {@code subscribers[i]} subscribers. */
    public static PublishTargets single(List<String> names, int[] subscribers) {
        List<List<String>> channels = new ArrayList<>();
        for (String n : names) {
            channels.add(List.of(n));
        }
        return new PublishTargets(channels, subscribers.clone());
    }

    /**
     * The channels in as few requests as the API allows: each publication goes to one batch of at
     * most {@value #MAX_CHANNELS_PER_REQUEST} of them, the subscriber counts summed per batch.
     */
    public static PublishTargets batched(List<String> names, int[] subscribers) {
        List<List<String>> channels = new ArrayList<>();
        List<Integer> sums = new ArrayList<>();
        for (int i = 0; i < names.size(); i += MAX_CHANNELS_PER_REQUEST) {
            int end = Math.min(names.size(), i + MAX_CHANNELS_PER_REQUEST);
            channels.add(List.copyOf(names.subList(i, end)));
            int sum = 0;
            for (int k = i; k < end; k++) {
                sum += subscribers[k];
            }
            sums.add(sum);
        }
        return new PublishTargets(channels, sums.stream().mapToInt(Integer::intValue).toArray());
    }

    public int size() {
        return channels.size();
    }

    /** The channels of target {@code t}. */
    public List<String> channels(int t) {
        return channels.get(t);
    }

    /** How many channels the targets before {@code t} name: target t's first channel's number. */
    public int offset(int t) {
        return offsets[t];
    }

    /** Deliveries one publication to target {@code t} should make. */
    public int subscribers(int t) {
        return subscribers[t];
    }

    /** Channels over every target. */
    public int channelCount() {
        int n = 0;
        for (List<String> c : channels) {
            n += c.size();
        }
        return n;
    }
}
