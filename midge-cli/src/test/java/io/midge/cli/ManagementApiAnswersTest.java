package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers a Midge broker gives rarely or never and that a test cannot easily provoke from one (503 while starting,
 * 400, a proxy's page), from a stand-in HTTP server: each is one line and exit status 1.
 */
class ManagementApiAnswersTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** A server that answers every request with this status, content type and body. */
    private String serve(int status, String contentType, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aBrokerThatIsStartingOrClosingSaysSo() throws IOException {
        String url = serve(503, "application/json", "{\"status\":\"starting\"}");
        ClientCommandsTest.Run run = ClientCommandsTest.midge("stats", "--url", url);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge stats: the broker is starting or closing; try again (503)\n");
    }

    @Test
    void aBusyBrokerSaysWhy() throws IOException {
        String url = serve(503, "application/json", "{\"status\":503,\"error\":\"Service Unavailable\","
                + "\"message\":\"the broker did not answer in time; try again\"}");
        ClientCommandsTest.Run run = ClientCommandsTest.midge("clients", "--url", url);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge clients: the broker did not answer in time; try again (503)\n");
    }

    @Test
    void anEmptyFilteredPageWithACursorIsFollowedToTheNext() throws IOException {
        // The API looks at a bounded number of entries per filtered page: a page may be empty and still go on.
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/clients", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            String body = query.contains("after=c2")
                    ? "{\"items\":[{\"clientId\":\"x\",\"connected\":true}],\"next\":null}"
                    : query.contains("after=c1") ? "{\"items\":[],\"next\":\"c2\"}"
                    : "{\"items\":[],\"next\":\"c1\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        ClientCommandsTest.Run run = ClientCommandsTest.midge("clients", "--user", "alice", "--json",
                "--url", "http://127.0.0.1:" + server.getAddress().getPort());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("{\"items\":[{\"clientId\":\"x\",\"connected\":true}],\"next\":null}\n");
    }

    @Test
    void aBadRequestShowsTheApisMessage() throws IOException {
        String url = serve(400, "application/json", "{\"status\":400,\"error\":\"Bad Request\","
                + "\"message\":\"filter is not a valid topic filter\",\"field\":\"filter\"}");
        ClientCommandsTest.Run run = ClientCommandsTest.midge("retained", "a/#/b", "--url", url);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge retained: filter is not a valid topic filter (400)\n");
    }

    @Test
    void aPageThatIsNotJsonIsNamedAsSuch() throws IOException {
        String url = serve(200, "text/html", "<html><body>Welcome to nginx!</body></html>");
        ClientCommandsTest.Run run = ClientCommandsTest.midge("clients", "--url", url + "/");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge clients: the answer from " + url
                + " is not JSON: <html><body>Welcome to nginx!</body></html>\n");
    }

    @Test
    void aProxysErrorPageIsAnUnexpectedAnswer() throws IOException {
        String url = serve(502, "text/html", "<html>Bad Gateway</html>");
        ClientCommandsTest.Run run = ClientCommandsTest.midge("kick", "x", "--url", url);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge kick: unexpected answer from " + url + " (502)\n");
    }
}
