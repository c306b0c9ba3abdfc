package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.midge.broker.testing.BrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAPI file the broker serves is JSON, OpenAPI 3, and describes every method and path of the contract in
 * docs/HTTP-API.md, so that the two cannot drift apart unnoticed.
 */
class OpenApiTest {
    private static final Path CONTRACT = Path.of("..", "docs", "HTTP-API.md");
    private static final Pattern ENDPOINT = Pattern.compile("^\\| `(GET|POST|DELETE|PUT) (/api/v1/[^`]*)` \\|");

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @Test
    void everyEndpointOfTheContractIsDescribed() throws Exception {
        Api.Answer answer = api.get("/api/v1/openapi.json");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("content-type")).startsWith("application/json");
        JsonNode openApi = answer.json();
        assertThat(openApi.get("openapi").asText()).startsWith("3.0");
        JsonNode paths = openApi.get("paths");

        List<String> endpoints = new ArrayList<>();
        for (String line : Files.readAllLines(CONTRACT)) {
            Matcher m = ENDPOINT.matcher(line);
            if (m.find()) {
                endpoints.add(m.group(1) + " " + m.group(2));
            }
        }
        assertThat(endpoints).hasSizeGreaterThanOrEqualTo(17);
        for (String endpoint : endpoints) {
            String method = endpoint.substring(0, endpoint.indexOf(' ')).toLowerCase(Locale.ROOT);
            String path = endpoint.substring(endpoint.indexOf(' ') + 1);
            assertThat(paths.has(path)).as(endpoint).isTrue();
            assertThat(paths.get(path).has(method)).as(endpoint).isTrue();
        }
    }
}
