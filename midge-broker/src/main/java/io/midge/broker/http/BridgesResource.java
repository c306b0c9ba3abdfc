package io.midge.broker.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/v1/bridges}: each bridge's link state and figures. */
final class BridgesResource {
    private BridgesResource() {
    }

    static ApiResponse get(ApiContext api) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (ApiContext.BridgeView b : api.bridges().get()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("name", b.name());
            item.put("address", b.address());
            item.put("state", b.state());
            item.put("connected", b.connected());
            item.put("queued", b.queued());
            item.put("queuedBytes", b.queuedBytes());
            item.put("sent", b.sent());
            item.put("received", b.received());
            item.put("dropped", b.dropped());
            item.put("lastError", b.lastError());
            items.add(item);
        }
        return ApiResponse.json(Paging.all(items));
    }
}
