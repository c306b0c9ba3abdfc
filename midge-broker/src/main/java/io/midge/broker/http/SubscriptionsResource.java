package io.midge.broker.http;

import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /api/v1/subscriptions}: every session's subscriptions, by client identifier then topic filter. A
 * session's subscriptions are its loop's to read, so a page walks the sorted registry from its cursor in batches,
 * each read by one short task per loop, until the page is full: the cost of a page (and of the sessions without
 * subscriptions between), within {@link Paging#SCAN_BUDGET} sessions.
 */
final class SubscriptionsResource {
    /** Sessions read per round of loop tasks. */
    private static final int BATCH = 256;

    private final SessionRegistry sessions;

    SubscriptionsResource(ApiContext api) {
        this.sessions = api.broker().sessions();
    }

    CompletionStage<ApiResponse> list(ApiRequest request) {
        Paging paging = Paging.of(request, 2);
        String prefix = request.param("filter");
        // The cursor: the last subscription shown (client, filter), or a client all of whose were looked at.
        String afterClient = paging.after == null ? null : paging.after[0];
        String afterFilter = paging.after == null || paging.after.length < 2 ? null : paging.after[1];
        Iterator<Map.Entry<String, Session>> walk = (afterClient == null ? sessions.byClientId()
                : sessions.byClientId().tailMap(afterClient, afterFilter != null)).entrySet().iterator();
        Scan scan = new Scan(paging.limit, prefix, afterClient, afterFilter, walk);
        return scan.next().thenApply(v -> ApiResponse.json(Paging.page(scan.items, scan.nextCursor)));
    }

    /** One request's walk: batch after batch until the page is full, the sessions end or the budget is spent. */
    private static final class Scan {
        final int limit;
        final String prefix;
        final String afterClient;
        final String afterFilter;
        final Iterator<Map.Entry<String, Session>> walk;
        final List<Map<String, Object>> items = new ArrayList<>();
        String nextCursor;
        int scanned;

        Scan(int limit, String prefix, String afterClient, String afterFilter,
             Iterator<Map.Entry<String, Session>> walk) {
            this.limit = limit;
            this.prefix = prefix;
            this.afterClient = afterClient;
            this.afterFilter = afterFilter;
            this.walk = walk;
        }

        CompletableFuture<Void> next() {
            List<Session> batch = new ArrayList<>();
            while (batch.size() < BATCH && walk.hasNext()) {
                batch.add(walk.next().getValue());
            }
            if (batch.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            return OnLoops.readAll(batch, s -> new TreeMap<>(s.subscriptions())).thenCompose(read -> {
                for (int i = 0; i < batch.size(); i++) {
                    String clientId = batch.get(i).clientId();
                    for (Map.Entry<String, SubscriptionOptions> e : read.get(i).entrySet()) {
                        String filter = e.getKey();
                        if (clientId.equals(afterClient) && afterFilter != null && filter.compareTo(afterFilter) <= 0) {
                            continue;
                        }
                        if (prefix != null && !filter.startsWith(prefix)) {
                            continue;
                        }
                        if (items.size() == limit) {
                            Map<String, Object> last = items.get(items.size() - 1);
                            nextCursor = Paging.cursor((String) last.get("clientId"), (String) last.get("filter"));
                            return CompletableFuture.completedFuture(null);
                        }
                        items.add(ClientsResource.subscription(clientId, filter, e.getValue()));
                    }
                    if (++scanned >= Paging.SCAN_BUDGET && (i + 1 < batch.size() || walk.hasNext())) {
                        nextCursor = Paging.cursor(clientId); // everything of this client was looked at
                        return CompletableFuture.completedFuture(null);
                    }
                }
                return next();
            });
        }
    }
}
