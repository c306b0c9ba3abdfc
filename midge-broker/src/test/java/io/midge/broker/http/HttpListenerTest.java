package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.transport.ListenerException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP listener's paths, methods and logins, through the JDK's HTTP client. */
class HttpListenerTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onTheLoopbackMetricsAndHealthAreOpen() throws Exception {
        assertThat(get("/metrics", null).statusCode()).isEqualTo(200);
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ready\n");
    }

    @Test
    void anUnknownPathIs404AndAnotherMethod405() throws Exception {
        assertThat(get("/nothing", null).statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void withLoginRequiredOnlyAnAdminOfTheAclFileSeesMetrics() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .with("alice", PasswordHash.create("alice-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"), "user root\nadmin\ntopic #\nuser alice\ntopic #\n");
        broker.restart(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));
        long refused = broker.broker().metrics().httpRefused.sum();

        HttpResponse<String> anonymous = get("/metrics", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("www-authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Basic"));
        assertThat(get("/metrics", basic("root", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", basic("alice", "alice-pw")).statusCode()).isEqualTo(403);
        assertThat(get("/metrics", basic("root", "root-pw")).statusCode()).isEqualTo(200);
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(broker.broker().metrics().httpRefused.sum()).isEqualTo(refused + 3);
    }

    @Test
    void offTheLoopbackWithoutAPasswordFileTheBrokerRefusesToStart() {
        assertThatThrownBy(() -> broker.restart(b -> b.set(HTTP_HOST, "0.0.0.0")))
                .isInstanceOf(ListenerException.class)
                .hasMessageContaining("no password-file is configured");
    }

    @Test
    void portZeroMeansNoHttpListener() throws Exception {
        broker.restart(b -> b.set(HTTP_PORT, 0));
        assertThat(broker.broker().httpPort()).isZero();
    }

    private HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(broker.httpUri() + path);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
