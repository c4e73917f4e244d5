package dev.herald.http;

import java.util.ArrayList;
import java.util.List;

/** The comma-separated {@code info} parameter of the HTTP API. */
final class InfoAttributes {

    static final String USER_COUNT = "user_count";
    static final String SUBSCRIPTION_COUNT = "subscription_count";
    static final String CACHE = "cache";

    private InfoAttributes() {}

    /**
     * @param allowCache whether {@code cache} may be asked for (one channel's info only)
     */
    static List<String> parse(String info, boolean allowCache) throws ApiException {
        if (info == null || info.isBlank()) {
            return List.of();
        }
        List<String> attributes = new ArrayList<>();
        for (String part : info.split(",")) {
            String attribute = part.trim();
            if (attribute.isEmpty()) {
                continue;
            }
            boolean known =
                    attribute.equals(USER_COUNT)
                            || attribute.equals(SUBSCRIPTION_COUNT)
                            || (allowCache && attribute.equals(CACHE));
            if (!known) {
                throw ApiException.badRequest(
                        "Unknown info attribute "
                                + attribute
                                + ": use user_count"
                                + (allowCache
                                        ? ", subscription_count and/or cache"
                                        : " and/or subscription_count"));
            }
            attributes.add(attribute);
        }
        return attributes;
    }
}
