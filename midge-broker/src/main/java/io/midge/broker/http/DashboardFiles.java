package io.midge.broker.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * The dashboard's static files: {@code /} and {@code /index.html} (the page), {@code /assets/...} (its scripts,
 * styles and icon) from {@code io/midge/broker/http/dashboard/} on the classpath, and {@code /assets/uplot/...} from
 * uPlot's WebJar. They hold no data, so they are served without login; the API calls they make are what is guarded.
 *
 * <p>Files are read once, on first request, and kept in memory with a gzipped copy: the whole dashboard is a few
 * tens of kilobytes, and it spares the event loop a jar read and a compression per request. Only files that exist
 * are kept, so asking for random paths grows nothing.
 */
final class DashboardFiles {
    private static final String ROOT = "io/midge/broker/http/dashboard/";
    private static final String ASSETS = "/assets/";
    private static final String UPLOT = "/assets/uplot/";
    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    /**
     * What an asset's path may be made of, after percent-decoding: names of letters, digits, '-', '_' and '.', not
     * starting with a dot, separated by single slashes. Anything else ({@code ..}, backslashes, encoded slashes or
     * dots, NUL) is refused before any look-up, so no path leaves the dashboard's folder.
     */
    private static final Pattern SAFE_PATH = Pattern.compile("(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*"
            + "[A-Za-z0-9_-][A-Za-z0-9._-]*");

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    /** The page is always revalidated, so that a new broker's page is seen at once (a 304 costs a few bytes). */
    private static final String PAGE_CACHE = "no-cache";
    /** Midge's own scripts and styles: revalidated too, as their names do not change between versions. */
    private static final String OWN_ASSET_CACHE = "no-cache";
    /** uPlot's files only change with its version, which a broker upgrade brings: a day is safe. */
    private static final String LIBRARY_CACHE = "public, max-age=86400";

    /**
     * The page runs only its own scripts and styles and talks only to its own origin, and no other site may frame it
     * (the kick button is one click from a page that could otherwise overlay it).
     */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final ClassLoader loader = DashboardFiles.class.getClassLoader();
    private final String uplotFolder = uplotFolder(loader);
    private final Map<String, File> files = new ConcurrentHashMap<>();

    /** A file as served: its bytes, a gzipped copy when that is smaller, its type, tag (unquoted) and caching. */
    private record File(byte[] body, byte[] gzipped, String type, String etag, String cacheControl) { }

    /** Whether a path (percent-decoded, without query) is the dashboard's. */
    static boolean serves(String path) {
        return path.equals("/") || path.equals("/index.html") || path.startsWith(ASSETS);
    }

    /**
     * The answer to a request for one of the dashboard's paths: the file, 304 when the browser's copy is current,
     * 404 when there is no such file, 400 for a path that tries to leave the folder, 405 for methods but GET/HEAD.
     *
     * @param rawPath the path as the request wrote it (still percent-encoded)
     * @param path the same path percent-decoded
     */
    FullHttpResponse answer(FullHttpRequest request, String rawPath, String path) {
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            FullHttpResponse refused = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", false);
            refused.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return refused;
        }
        String resource;
        if (path.equals("/") || path.equals("/index.html")) {
            resource = ROOT + "index.html";
        } else {
            String relative = path.substring(ASSETS.length());
            // An encoded character in an asset's path is never needed, and '%2e%2e' or '%2f' are how one escapes.
            if (rawPath.indexOf('%') >= 0 || !SAFE_PATH.matcher(relative).matches()) {
                return text(HttpResponseStatus.BAD_REQUEST, "bad path\n", head);
            }
            if (path.startsWith(UPLOT)) {
                resource = uplotFolder == null ? null : uplotFolder + path.substring(UPLOT.length());
            } else {
                resource = ROOT + "assets/" + relative;
            }
        }
        String cacheControl = !path.startsWith(ASSETS) ? PAGE_CACHE
                : path.startsWith(UPLOT) ? LIBRARY_CACHE : OWN_ASSET_CACHE;
        Optional<File> file = resource == null ? Optional.empty() : file(resource, cacheControl);
        if (file.isEmpty()) {
            return text(HttpResponseStatus.NOT_FOUND, "not found\n", head);
        }
        return response(file.get(), request, head);
    }

    private static FullHttpResponse response(File file, FullHttpRequest request, boolean head) {
        String accepted = request.headers().get(HttpHeaderNames.ACCEPT_ENCODING, "");
        boolean gzip = file.gzipped() != null && acceptsGzip(accepted);
        // The gzipped copy is another representation, so it has its own tag (RFC 9110, 8.8.3).
        String etag = '"' + file.etag() + (gzip ? "-gz\"" : "\"");
        String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        boolean current = ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.strip().equals("*"));
        byte[] body = gzip ? file.gzipped() : file.body();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                current ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                current || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, file.type())
                .set(HttpHeaderNames.CACHE_CONTROL, file.cacheControl())
                .set(HttpHeaderNames.ETAG, etag)
                .set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING)
                .set("X-Content-Type-Options", "nosniff");
        if (gzip) {
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        if (file.type().startsWith("text/html")) {
            response.headers()
                    .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
                    .set("X-Frame-Options", "DENY")
                    .set("Referrer-Policy", "no-referrer");
        }
        // A 304 says how long the 200 would be (RFC 9110, 8.6), which also keeps the connection open: Netty's
        // keep-alive handler closes after a response whose length it cannot tell.
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    /** Whether an {@code Accept-Encoding} header takes gzip (and does not refuse it with {@code q=0}). */
    static boolean acceptsGzip(String acceptEncoding) {
        for (String part : acceptEncoding.split(",")) {
            String[] coding = part.strip().split(";");
            if (coding[0].strip().equalsIgnoreCase("gzip")) {
                for (int i = 1; i < coding.length; i++) {
                    String parameter = coding[i].strip().replace(" ", "");
                    if (parameter.matches("q=0(\\.0*)?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private Optional<File> file(String resource, String cacheControl) {
        File cached = files.get(resource);
        if (cached != null) {
            return Optional.of(cached);
        }
        int dot = resource.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(resource.substring(dot + 1));
        if (type == null) {
            return Optional.empty();
        }
        byte[] body;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            body = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the broker's jar", e);
        }
        byte[] gzipped = gzip(body);
        File file = new File(body, gzipped.length < body.length ? gzipped : null, type, digest(body),
                cacheControl);
        files.putIfAbsent(resource, file);
        return Optional.of(file);
    }

    /** The WebJar's folder of uPlot's built files, from the version its own pom.properties names. */
    private static String uplotFolder(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                return null;
            }
            Properties pom = new Properties();
            pom.load(in);
            return "META-INF/resources/webjars/uplot/" + pom.getProperty("version") + "/dist/";
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String digest(byte[] body) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }
}
