package io.midge.broker.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refused API request: its status, what is wrong, and the parameter or body field at fault, if one is. Thrown
 * before anything changes, so that a refused request changes nothing; written as
 * {@code {"status", "error", "message", "field"}}.
 */
final class ApiError extends RuntimeException {
    private final HttpResponseStatus status;
    private final String field;
    /** The methods the path takes, for 405 (the Allow header); else null. */
    private String allow;

    ApiError(HttpResponseStatus status, String field, String message) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(HttpResponseStatus.BAD_REQUEST, field, message);
    }

    static ApiError notFound(String message) {
        return new ApiError(HttpResponseStatus.NOT_FOUND, null, message);
    }

    static ApiError forbidden(String message) {
        return new ApiError(HttpResponseStatus.FORBIDDEN, null, message);
    }

    static ApiError unavailable(String message) {
        return new ApiError(HttpResponseStatus.SERVICE_UNAVAILABLE, null, message);
    }

    static ApiError methodNotAllowed(String method, String allow) {
        ApiError e = new ApiError(HttpResponseStatus.METHOD_NOT_ALLOWED, null, method + " is not allowed here; "
                + allow + " is");
        e.allow = allow;
        return e;
    }

    String allow() {
        return allow;
    }

    HttpResponseStatus status() {
        return status;
    }

    String field() {
        return field;
    }

    /** The JSON body of an error of this status. */
    static byte[] body(HttpResponseStatus status, String field, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status.code());
        body.put("error", status.reasonPhrase());
        body.put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return Json.bytes(body);
    }

    byte[] body() {
        return body(status, field, getMessage());
    }
}
