package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.testing.BrokerExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The dashboard's static files as the HTTP listener serves them: types, caching, compression and refusals. */
class DashboardFilesTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void thePageIsServedAtTheRootAndAsIndexHtmlAndAlwaysRevalidated() throws Exception {
        for (String path : new String[] {"/", "/index.html", "/?x=1"}) {
            HttpResponse<String> page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(page.headers().firstValue("etag")).hasValueSatisfying(tag -> assertThat(tag).matches("\"[0-9a-f]+\""));
            assertThat(page.body()).contains("<title>Midge</title>").contains("assets/app.js");
        }
    }

    @Test
    void thePageRunsOnlyItsOwnScriptsAndCannotBeFramed() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(policy ->
                assertThat(policy).contains("default-src 'self'").contains("frame-ancestors 'none'"));
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
    }

    @Test
    void assetsHaveTheirContentTypes() throws Exception {
        assertThat(get("/assets/app.js").headers().firstValue("content-type"))
                .hasValue("text/javascript; charset=utf-8");
        assertThat(get("/assets/app.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
        assertThat(get("/assets/favicon.svg").headers().firstValue("content-type")).hasValue("image/svg+xml");
        HttpResponse<String> js = get("/assets/app.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    }

    @Test
    void uPlotComesFromItsWebJarAndMayBeCachedForADay() throws Exception {
        HttpResponse<String> script = get("/assets/uplot/uPlot.iife.min.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(script.headers().firstValue("cache-control")).hasValue("public, max-age=86400");
        assertThat(script.body()).contains("uPlot");
        HttpResponse<String> style = get("/assets/uplot/uPlot.min.css");
        assertThat(style.statusCode()).isEqualTo(200);
        assertThat(style.body()).contains(".uplot");
    }

    @Test
    void aCurrentCopyGets304() throws Exception {
        String etag = get("/assets/app.css").headers().firstValue("etag").orElseThrow();
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(uri("/assets/app.css"))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<String> stale = http.send(HttpRequest.newBuilder(uri("/assets/app.css"))
                .header("If-None-Match", "\"other\"").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stale.statusCode()).isEqualTo(200);
    }

    @Test
    void theConnectionStaysOpenAfterA304() throws Exception {
        String etag = get("/").headers().firstValue("etag").orElseThrow();
        String answers = raw("GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: " + etag + "\r\n\r\n"
                + "GET /assets/favicon.svg HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(answers).startsWith("HTTP/1.1 304").contains("HTTP/1.1 200").contains("<svg");
    }

    @Test
    void browsersThatTakeGzipGetItWithItsOwnTag() throws Exception {
        HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(uri("/assets/uplot/uPlot.iife.min.js")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> zipped = http.send(HttpRequest.newBuilder(uri("/assets/uplot/uPlot.iife.min.js"))
                .header("Accept-Encoding", "gzip, deflate, br").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(zipped.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(zipped.headers().firstValue("vary")).hasValue("accept-encoding");
        assertThat(zipped.body().length).isLessThan(plain.body().length / 2);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }
        assertThat(zipped.headers().firstValue("etag")).isNotEqualTo(plain.headers().firstValue("etag"));
        HttpResponse<byte[]> refused = http.send(HttpRequest.newBuilder(uri("/assets/app.js"))
                .header("Accept-Encoding", "gzip;q=0").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
    }

    @Test
    void headGivesTheHeadersWithoutTheBody() throws Exception {
        HttpResponse<String> get = get("/assets/app.js");
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri("/assets/app.js"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length"))
                .hasValue(String.valueOf(get.body().getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void unknownFilesAre404AndOtherMethods405() throws Exception {
        assertThat(get("/assets/nothing.js").statusCode()).isEqualTo(404);
        assertThat(get("/assets/uplot/nothing.js").statusCode()).isEqualTo(404);
        assertThat(get("/assets/").statusCode()).isEqualTo(400);
        // A file of the jar that is not one of the types the dashboard serves.
        assertThat(get("/assets/uplot/uPlot.d.ts").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    /** Paths sent byte for byte on a socket, since HTTP clients tidy {@code ..} away before sending. */
    @ParameterizedTest(name = "{0} does not leave the dashboard''s folder")
    @ValueSource(strings = {
        "/assets/../index.html",
        "/assets/../../../../io/midge/broker/sys/version.properties",
        "/assets/uplot/../../../../../META-INF/MANIFEST.MF",
        "/assets/%2e%2e/%2e%2e/io/midge/broker/sys/version.properties",
        "/assets/%2E%2E%2F%2E%2E%2Fio/midge/broker/sys/version.properties",
        "/assets/..%2f..%2fio/midge/broker/sys/version.properties",
        "/assets/%252e%252e/index.html",
        "/assets/..\\..\\index.html",
        "/assets//etc/passwd",
        "/assets/.hidden.js",
        "/assets/app.js%00.css",
        "/assets/uplot/%2e%2e/LICENSE",
    })
    void pathTraversalIsRefused(String path) throws Exception {
        String response = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(response).doesNotContain("version=").doesNotContain("Manifest-Version")
                .doesNotContain("<title>");
    }

    @Test
    void thePagesNeedNoLoginEvenWhereTheApiDoes() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"), "user root\nadmin\ntopic #\n");
        broker.restart(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/assets/app.js").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").statusCode()).isEqualTo(401);
    }

    private String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", broker.broker().httpPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(broker.httpUri() + path);
    }
}
