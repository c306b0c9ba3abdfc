package io.midge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * The broker's management API ({@code /api/v1}, docs/HTTP-API.md) as {@code midge clients}, {@code kick},
 * {@code retained} and {@code stats} call it: one request at a time, JSON answers, pages followed, and every failure
 * turned into an {@link ApiException} whose message is the line the command prints.
 */
final class ManagementApi {
    /** The largest page the API hands out. */
    static final int MAX_PAGE = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String base;
    private final String username;
    private final String authorization;
    private final HttpClient http;
    private final int pageSize;

    /** {@code url} is the broker's HTTP address, e.g. {@code http://127.0.0.1:8080} (a trailing slash is ignored). */
    ManagementApi(String url, String username, String password) {
        this(url, username, password, MAX_PAGE);
    }

    /** With pages of at most {@code pageSize} items (tests ask for small pages to see several). */
    ManagementApi(String url, String username, String password, int pageSize) {
        this.pageSize = pageSize;
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.username = username;
        this.authorization = username == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** The items of a page, or of several pages put together, and the cursor of what follows ({@code null}: none). */
    record Page(List<JsonNode> items, String next) {
        /** The page as the API writes one: {@code {"items": [...], "next": ...}}. */
        String toJson() {
            ObjectNode page = JSON.createObjectNode();
            ArrayNode array = page.putArray("items");
            items.forEach(array::add);
            page.put("next", next);
            return write(page);
        }
    }

    /** {@code GET /api/v1/<path>}: the answer's JSON. */
    JsonNode get(String path, Map<String, String> query) throws ApiException {
        return parse(send("GET", path, query, null));
    }

    /**
     * Up to {@code limit} items of a paged collection, following {@code next} from page to page. The returned
     * page's {@code next} is the cursor after the last item returned, or {@code null} when there is no more.
     */
    Page items(String path, Map<String, String> query, int limit) throws ApiException {
        List<JsonNode> items = new ArrayList<>();
        String after = null;
        while (true) {
            Map<String, String> pageQuery = new LinkedHashMap<>(query);
            pageQuery.put("limit", Integer.toString(Math.min(pageSize, limit - items.size())));
            if (after != null) {
                pageQuery.put("after", after);
            }
            JsonNode page = get(path, pageQuery);
            JsonNode pageItems = page.get("items");
            if (pageItems == null || !pageItems.isArray()) {
                throw new ApiException(0, "the answer of " + url(path, Map.of()) + " holds no items: "
                        + abbreviate(write(page)));
            }
            pageItems.forEach(items::add);
            JsonNode next = page.get("next");
            String previous = after;
            after = next == null || next.isNull() ? null : next.asText();
            // A filtered page may hold fewer items than asked for, none even, and still have a cursor (the API looks
            // at so many entries per page): go on until there is none. A cursor that does not move would loop.
            if (after == null || items.size() >= limit || after.equals(previous)) {
                return new Page(items, after);
            }
        }
    }

    /**
     * {@code DELETE /api/v1/<path>}. {@code notFound} is the message for a 404 (the thing to delete is unknown), as
     * the API's contract says which thing that is and this class does not.
     */
    void delete(String path, Map<String, String> query, String notFound) throws ApiException {
        send("DELETE", path, query, notFound);
    }

    /** One path segment, percent-encoded: slashes, spaces and all (a client identifier may hold any of them). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A field's text, {@code null} when absent or null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** A field's number, {@code null} when absent or null. */
    static Long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isNumber() ? null : value.asLong();
    }

    /** Compact JSON, as the API writes it. */
    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree read from JSON always writes back
        }
    }

    private String send(String method, String path, Map<String, String> query, String notFound) throws ApiException {
        URI uri = URI.create(url(path, query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization); // at once: the API answers 401 without asking twice
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        } catch (IOException | RuntimeException e) {
            throw new ApiException(0, "cannot reach " + base + " (" + why(e) + ")");
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body();
        }
        throw new ApiException(status, refusal(status, errorMessage(response.body()), notFound) + " (" + status + ")");
    }

    private String refusal(int status, String message, String notFound) {
        return switch (status) {
            case 401 -> username == null ? "not allowed: log in as a user the ACL grants admin"
                    : "not allowed: wrong user name or password for '" + username + "'";
            case 403 -> username == null ? "not allowed: log in as a user the ACL grants admin"
                    : "not allowed: the ACL does not grant '" + username + "' admin";
            case 404 -> notFound != null ? notFound : "no management API at " + base;
            case 503 -> message != null ? message : "the broker is starting or closing; try again";
            default -> message != null ? message : "unexpected answer from " + base;
        };
    }

    /** The {@code message} of the API's error body, or {@code null} when the body is not one (a proxy's page). */
    private static String errorMessage(String body) {
        try {
            JsonNode message = JSON.readTree(body).get("message");
            return message == null || message.isNull() ? null : message.asText();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private JsonNode parse(String body) throws ApiException {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new ApiException(0, "the answer from " + base + " is not JSON: " + abbreviate(body));
        }
    }

    private String url(String path, Map<String, String> query) {
        StringBuilder url = new StringBuilder(base).append("/api/v1/").append(path);
        char separator = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            url.append(separator).append(e.getKey()).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return url.toString();
    }

    /**
     * Why a request got no answer, in the words of the usual causes. The whole chain is searched for the specific
     * ones first: HttpClient wraps an unknown host or a TLS failure in a ConnectException too.
     */
    static String why(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof SSLException) {
                return "TLS: " + t.getMessage();
            }
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
            }
            if (t instanceof IllegalArgumentException) {
                return t.getMessage(); // a URL HttpClient cannot use
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static String abbreviate(String s) {
        String line = s.strip().replaceAll("\\s+", " ");
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }
}
