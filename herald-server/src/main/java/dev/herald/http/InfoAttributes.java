package dev.herald.http;

import java.util.ArrayList;
import java.util.List;

/** The comma-separated {@code info} parameter of the HTTP API. */
final class InfoAttributes {

    static final String USER_COUNT = "user_count";
    static final String SUBSCRIPTION_COUNT = "subscription_count";

    private InfoAttributes() {
    }

    static List<String> parse(String info) throws ApiException {
        if (info == null || info.isBlank()) {
            return List.of();
        }
        List<String> attributes = new ArrayList<>();
        for (String part : info.split(",")) {
            String attribute = part.trim();
            if (attribute.isEmpty()) {
                continue;
            }
            if (!attribute.equals(USER_COUNT) && !attribute.equals(SUBSCRIPTION_COUNT)) {
                throw ApiException.badRequest("Unknown info attribute " + attribute
                        + ": use user_count and/or subscription_count");
            }
            attributes.add(attribute);
        }
        return attributes;
    }
}
