package io.midge.broker.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paging of lists: {@code limit} (1..1000, default 100) and {@code after}, the {@code next} cursor of the
 * previous page. A cursor is opaque to callers: the sort key of the last item shown (client identifier, topic
 * filter, topic), base64url-encoded so that it needs no escaping in a URL. A page is
 * {@code {"items": [...], "next": cursor | null}}.
 */
final class Paging {
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    /**
     * Entries a filtered page may look at before it answers with what it found (and a cursor to go on from), so that
     * a filter that matches little does not walk every session in one request.
     */
    static final int SCAN_BUDGET = 10_000;

    final int limit;
    /** The decoded cursor's parts, or null for the first page. */
    final String[] after;

    private Paging(int limit, String[] after) {
        this.limit = limit;
        this.after = after;
    }

    /** Reads {@code limit} and {@code after}; {@code parts} is how many keys a cursor of this list holds, at most. */
    static Paging of(ApiRequest request, int parts) {
        int limit = request.intParam("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String cursor = request.param("after");
        if (cursor == null || cursor.isEmpty()) {
            return new Paging(limit, null);
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] split = decoded.split("\u0000", -1);
            if (split.length <= parts) {
                return new Paging(limit, split);
            }
        } catch (IllegalArgumentException e) {
            // said below
        }
        throw ApiError.badRequest("after", "after must be the 'next' cursor of a previous page");
    }

    /** The cursor for these keys (U+0000 cannot occur in an MQTT string, so it separates them). */
    static String cursor(String... keys) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join("\u0000", keys).getBytes(StandardCharsets.UTF_8));
    }

    /** A page of items, with the cursor of the next one (null on the last). */
    static Map<String, Object> page(List<?> items, String next) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", items);
        page.put("next", next);
        return page;
    }

    /** A list answered whole, without paging: {@code {"items": [...]}}. */
    static Map<String, Object> all(List<?> items) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", new ArrayList<>(items));
        return page;
    }
}
