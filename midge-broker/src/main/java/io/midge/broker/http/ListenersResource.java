package io.midge.broker.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code GET /api/v1/listeners}: the MQTT listeners as bound, and the HTTP listener itself. */
final class ListenersResource {
    private final ApiContext api;
    private final Supplier<ApiContext.ListenerView> http;

    ListenersResource(ApiContext api, Supplier<ApiContext.ListenerView> http) {
        this.api = api;
        this.http = http;
    }

    ApiResponse get(ApiRequest request) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (ApiContext.ListenerView l : api.listeners().get()) {
            items.add(item(l));
        }
        items.add(item(http.get()));
        return ApiResponse.json(Paging.all(items));
    }

    private static Map<String, Object> item(ApiContext.ListenerView l) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("name", l.name());
        item.put("transport", l.transport());
        item.put("host", l.host());
        item.put("port", l.port());
        item.put("connections", l.connections());
        item.put("anonymousAllowed", l.anonymousAllowed());
        return item;
    }
}
