package io.midge.broker.http;

import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;

/**
 * The management API's paths below {@code /api/v1/}: which handler a method and path go to, with the path's
 * parameters percent-decoded. One table, in the order of docs/HTTP-API.md; an unknown path is 404, a known path
 * with another method 405 with {@code Allow}.
 */
final class ApiRouter {
    static final String PREFIX = "/api/v1/";

    /** A handler: the request and the path's parameters (decoded), to the answer. */
    interface Handler {
        CompletionStage<ApiResponse> handle(ApiRequest request, List<String> params);
    }

    /**
     * One path and method. {@code pattern}: segments, {@code {}} one parameter, {@code {*}} the rest of the path
     * (slashes included) as one. {@code open}: answered without logging in.
     */
    record Route(HttpMethod method, String[] pattern, boolean open, Handler handler) {
    }

    /** A route found for a request, with its parameters. */
    record Match(Route route, List<String> params) {
        CompletionStage<ApiResponse> run(ApiRequest request) {
            return route.handler().handle(request, params);
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final StatsResource stats;
    private final EventStream events;

    ApiRouter(ApiContext api, HttpLogin login, ListenersResource listeners) {
        stats = new StatsResource(api);
        events = new EventStream(stats);
        ClientsResource clients = new ClientsResource(api);
        SubscriptionsResource subscriptions = new SubscriptionsResource(api);
        RetainedResource retained = new RetainedResource(api);
        PublishResource publish = new PublishResource(api);
        LoginResource logins = new LoginResource(login);
        NodesResource nodes = new NodesResource(api);
        byte[] openApi = resource("openapi.json");

        open(HttpMethod.GET, "health", (r, p) -> now(HealthResource.get(api.health())));
        get("stats", (r, p) -> now(stats.get(r)));
        get("events", (r, p) -> now(ApiResponse.stream()));
        get("listeners", (r, p) -> now(listeners.get(r)));
        get("bridges", (r, p) -> now(BridgesResource.get(api)));
        get("config", (r, p) -> now(ConfigResource.get(api.broker().config())));
        get("nodes", (r, p) -> now(nodes.get(r)));
        // Off the loop: a page of clients or subscriptions first brings the sorted registry up to date, which after
        // many connects and closes (or many at a restart) may take a while (see session.SortedView).
        get("clients", (r, p) -> CompletableFuture.supplyAsync(() -> clients.list(r), ForkJoinPool.commonPool()));
        get("clients/{}", (r, p) -> now(clients.get(r, p.get(0))));
        add(HttpMethod.DELETE, "clients/{}", false, (r, p) -> clients.delete(r, p.get(0)));
        get("clients/{}/subscriptions", (r, p) -> clients.subscriptions(r, p.get(0)));
        get("clients/{}/queue", (r, p) -> clients.queue(r, p.get(0)));
        get("subscriptions", (r, p) -> CompletableFuture.supplyAsync(() -> subscriptions.list(r),
                ForkJoinPool.commonPool()).thenCompose(page -> page));
        get("retained", (r, p) -> now(retained.list(r)));
        add(HttpMethod.DELETE, "retained/{*}", false, (r, p) -> retained.delete(r, p.get(0)));
        add(HttpMethod.POST, "publish", false, (r, p) -> publish.post(r));
        open(HttpMethod.POST, "login", (r, p) -> logins.login(r));
        open(HttpMethod.POST, "logout", (r, p) -> now(logins.logout(r)));
        open(HttpMethod.GET, "openapi.json", (r, p) -> now(ApiResponse.raw(ApiResponse.JSON, openApi)));
    }

    EventStream events() {
        return events;
    }

    private void get(String path, Handler handler) {
        add(HttpMethod.GET, path, false, handler);
    }

    private void open(HttpMethod method, String path, Handler handler) {
        add(method, path, true, handler);
    }

    private void add(HttpMethod method, String path, boolean open, Handler handler) {
        routes.add(new Route(method, path.split("/"), open, handler));
    }

    private static CompletionStage<ApiResponse> now(ApiResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /** The route of a method and a path below {@link #PREFIX} (raw, percent-encoded); 404 or 405 when none. */
    Match match(HttpMethod method, String rawPath) {
        String[] segments = rawPath.split("/", -1);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            List<String> params = params(route.pattern(), segments, rawPath);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match(route, params);
            }
            allowed.add(route.method().name());
        }
        if (allowed.isEmpty()) {
            throw ApiError.notFound("no such path: " + PREFIX + rawPath);
        }
        throw ApiError.methodNotAllowed(method.name(), String.join(", ", allowed));
    }

    private static List<String> params(String[] pattern, String[] segments, String rawPath) {
        List<String> params = new ArrayList<>();
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].equals("{*}")) {
                int start = 0;
                for (int k = 0; k < i; k++) {
                    start += segments[k].length() + 1;
                }
                if (start >= rawPath.length()) {
                    return null;
                }
                params.add(decode(rawPath.substring(start)));
                return params;
            }
            if (i >= segments.length) {
                return null;
            }
            if (pattern[i].equals("{}")) {
                if (segments[i].isEmpty()) {
                    return null;
                }
                params.add(decode(segments[i]));
            } else if (!pattern[i].equals(segments[i])) {
                return null;
            }
        }
        return segments.length == pattern.length ? params : null;
    }

    /**
     * Percent-decodes a path parameter as UTF-8. Unlike a query string's decoding, '+' stays '+': it is a wildcard
     * in MQTT and may be part of a client identifier.
     */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        byte[] in = raw.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
                int lo = i + 2 < in.length ? Character.digit(in[i + 2], 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw ApiError.badRequest(null, "the path has a broken percent-encoding: " + raw);
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else {
                bytes.put(in[i]);
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest(null, "the path is not UTF-8 once percent-decoded: " + raw);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = ApiRouter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + name);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
