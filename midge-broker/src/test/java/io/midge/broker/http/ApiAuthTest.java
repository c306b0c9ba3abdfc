package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.testing.BrokerExtension;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use the management API where the HTTP listener asks for credentials: HTTP Basic or the login cookie, for
 * a user whom the ACL file grants admin; the ACL judges that user's publishes.
 */
class ApiAuthTest {
    @TempDir
    Path dir;

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @BeforeEach
    void logInRequired() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .with("alice", PasswordHash.create("alice-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"),
                "user root\nadmin\ntopic write allowed/#\ntopic read #\nuser alice\ntopic #\n");
        broker.restart(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));
    }

    @Test
    void withoutCredentialsEveryPathButHealthAndTheLoginIs401() throws Exception {
        long refused = broker.broker().metrics().httpRefused.sum();
        Api.Answer stats = api.get("/api/v1/stats");
        assertThat(stats.status()).isEqualTo(401);
        assertThat(stats.header("www-authenticate")).startsWith("Basic");
        assertThat(stats.json().get("status").asInt()).isEqualTo(401);
        Api.Answer dashboard = api.send(HttpRequest.newBuilder(api.uri("/api/v1/stats"))
                .header("X-Requested-With", "XMLHttpRequest"));
        assertThat(dashboard.status()).isEqualTo(401);
        assertThat(dashboard.header("www-authenticate")).isNull(); // the dashboard shows its own form
        assertThat(api.get("/api/v1/health").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/openapi.json").status()).isEqualTo(200);
        assertThat(broker.broker().metrics().httpRefused.sum()).isEqualTo(refused + 2);
    }

    @Test
    void basicForAnAdminIsLetIn() throws Exception {
        assertThat(get("/api/v1/stats", Api.basic("root", "root-pw")).status()).isEqualTo(200);
        assertThat(get("/api/v1/stats", Api.basic("root", "wrong")).status()).isEqualTo(401);
        Api.Answer notAdmin = get("/api/v1/stats", Api.basic("alice", "alice-pw"));
        assertThat(notAdmin.status()).isEqualTo(403);
        assertThat(notAdmin.json().get("message").asText()).contains("admin");
    }

    @Test
    void theLoginCookieLetsInUntilLogout() throws Exception {
        Api.Answer login = api.post("/api/v1/login", "{\"username\": \"root\", \"password\": \"root-pw\"}");
        assertThat(login.status()).isEqualTo(204);
        String setCookie = login.header("set-cookie");
        assertThat(setCookie).startsWith("midge_session=").contains("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/").doesNotContain("Secure");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertThat(cookie.length()).isGreaterThanOrEqualTo("midge_session=".length() + 22); // 128 bits, base64
        assertThat(withCookie("/api/v1/clients", cookie).status()).isEqualTo(200);

        Api.Answer logout = api.send(HttpRequest.newBuilder(api.uri("/api/v1/logout")).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(logout.status()).isEqualTo(204);
        assertThat(logout.header("set-cookie")).contains("Max-Age=0");
        assertThat(withCookie("/api/v1/clients", cookie).status()).isEqualTo(401);
    }

    @Test
    void aLoginWithWrongCredentialsOrWithoutAdminIsRefused() throws Exception {
        assertThat(api.post("/api/v1/login", "{\"username\": \"root\", \"password\": \"nope\"}").status())
                .isEqualTo(401);
        Api.Answer alice = api.post("/api/v1/login", "{\"username\": \"alice\", \"password\": \"alice-pw\"}");
        assertThat(alice.status()).isEqualTo(403);
        assertThat(alice.header("set-cookie")).isNull();
        Api.Answer missing = api.post("/api/v1/login", "{\"username\": \"root\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("field").asText()).isEqualTo("password");
    }

    @Test
    void theAclJudgesTheLoggedInUsersPublishes() throws Exception {
        String root = Api.basic("root", "root-pw");
        assertThat(publish("{\"topic\": \"allowed/x\", \"payload\": \"1\"}", root).status()).isEqualTo(200);
        long denied = broker.broker().metrics().publishesDenied.sum();
        Api.Answer refused = publish("{\"topic\": \"forbidden/x\", \"payload\": \"1\", \"retain\": true}", root);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("message").asText()).contains("root").contains("forbidden/x");
        assertThat(broker.broker().metrics().publishesDenied.sum()).isEqualTo(denied + 1);
        assertThat(broker.broker().router().retained().get("forbidden/x")).isNull();

        broker.publishAsBroker("forbidden/y", 0, true, "kept");
        Api.Answer clear = api.send(HttpRequest.newBuilder(api.uri("/api/v1/retained/forbidden/y"))
                .header("Authorization", root).DELETE());
        assertThat(clear.status()).isEqualTo(403);
        assertThat(broker.broker().router().retained().get("forbidden/y")).isNotNull();
    }

    private Api.Answer get(String path, String authorization) throws Exception {
        return api.send(HttpRequest.newBuilder(api.uri(path)).header("Authorization", authorization));
    }

    private Api.Answer withCookie(String path, String cookie) throws Exception {
        return api.send(HttpRequest.newBuilder(api.uri(path)).header("Cookie", cookie));
    }

    private Api.Answer publish(String json, String authorization) throws Exception {
        return api.send(HttpRequest.newBuilder(api.uri("/api/v1/publish")).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }
}
