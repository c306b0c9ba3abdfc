package io.midge.broker.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an API handler answers: a status, a body with its type, headers beyond the usual ones; or, for
 * {@code /events}, a stream ({@link #stream}) that the request handler keeps open.
 */
final class ApiResponse {
    static final String JSON = "application/json; charset=utf-8";

    final HttpResponseStatus status;
    final String contentType;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();
    final boolean stream;

    private ApiResponse(HttpResponseStatus status, String contentType, byte[] body, boolean stream) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.stream = stream;
    }

    static ApiResponse json(Object value) {
        return new ApiResponse(HttpResponseStatus.OK, JSON, Json.bytes(value), false);
    }

    static ApiResponse json(HttpResponseStatus status, Object value) {
        return new ApiResponse(status, JSON, Json.bytes(value), false);
    }

    static ApiResponse raw(String contentType, byte[] body) {
        return new ApiResponse(HttpResponseStatus.OK, contentType, body, false);
    }

    static ApiResponse noContent() {
        return new ApiResponse(HttpResponseStatus.NO_CONTENT, null, new byte[0], false);
    }

    static ApiResponse error(ApiError e) {
        ApiResponse response = new ApiResponse(e.status(), JSON, e.body(), false);
        if (e.allow() != null) {
            response.header("Allow", e.allow());
        }
        return response;
    }

    /** The server-sent events of {@code /events}: headers now, events later (see {@link EventStream}). */
    static ApiResponse stream() {
        return new ApiResponse(HttpResponseStatus.OK, "text/event-stream; charset=utf-8", new byte[0], true);
    }

    ApiResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
