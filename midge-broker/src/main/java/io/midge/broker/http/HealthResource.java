package io.midge.broker.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** {@code GET /api/v1/health}: open to all, as {@code /health}: ready (200), or starting or closing (503). */
final class HealthResource {
    private HealthResource() {
    }

    static ApiResponse get(BrokerHealth health) {
        BrokerHealth.State state = health.state();
        return ApiResponse.json(state == BrokerHealth.State.READY ? HttpResponseStatus.OK
                : HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", state.name().toLowerCase()));
    }
}
