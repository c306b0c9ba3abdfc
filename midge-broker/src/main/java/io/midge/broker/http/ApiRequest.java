package io.midge.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One API request as the handlers see it: method, path below {@code /api/v1}, query parameters, body, and who made
 * it ({@code user} null when anonymous). The body is a copy, so it outlives Netty's buffer.
 *
 * @param path        the path below {@code /api/v1/}, still percent-encoded ({@code clients/a%2Fb})
 * @param contentType the body's Content-Type, or null
 * @param cookie      the Cookie header, or null
 */
record ApiRequest(HttpMethod method, String path, Map<String, List<String>> query, byte[] body, String contentType,
                  String cookie, SocketAddress remote, boolean secure, String user) {

    ApiRequest withUser(String who) {
        return new ApiRequest(method, path, query, body, contentType, cookie, remote, secure, who);
    }

    /** The query parameter, or null when absent; 400 when given twice. */
    String param(String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiError.badRequest(name, name + " is given " + values.size() + " times");
        }
        return values.get(0);
    }

    /** A whole-number parameter between min and max, or the default when absent. */
    int intParam(String name, int defaultValue, int min, int max) {
        String value = param(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiError.badRequest(name, name + " must be a whole number between " + min + " and " + max);
    }

    /** A true/false parameter, or null when absent. */
    Boolean boolParam(String name) {
        String value = param(name);
        if (value == null) {
            return null;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        throw ApiError.badRequest(name, name + " must be true or false");
    }

    /** The body as a JSON object: 415 when it is not declared JSON, 400 when it is not a JSON object. */
    JsonNode jsonBody() {
        String type = contentType == null ? "" : contentType.toLowerCase();
        int semicolon = type.indexOf(';');
        String mediaType = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        if (!mediaType.equals("application/json")) {
            throw new ApiError(io.netty.handler.codec.http.HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, null,
                    "the body must be JSON (Content-Type: application/json), not "
                            + (contentType == null ? "without a Content-Type" : "'" + contentType + "'"));
        }
        JsonNode node = Json.parse(body);
        if (!node.isObject()) {
            throw ApiError.badRequest(null, "the body must be a JSON object");
        }
        return node;
    }
}
