package io.midge.broker.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/nodes}: the cluster's nodes as the node asked sees them (its copy of what each node says of
 * itself, its own links and forwarding queues); empty for a broker on its own.
 */
final class NodesResource {
    private final ApiContext api;

    NodesResource(ApiContext api) {
        this.api = api;
    }

    ApiResponse get(ApiRequest request) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (ApiContext.NodeView n : api.nodes().get()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", n.id());
            item.put("mqttAddress", n.mqttAddress());
            item.put("self", n.self());
            item.put("link", n.linkUp() == null ? null : n.linkUp() ? "up" : "down");
            item.put("clients", n.clients());
            item.put("queued", n.queued());
            items.add(item);
        }
        return ApiResponse.json(Paging.all(items));
    }
}
