package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.midge.broker.testing.BrokerExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/v1/events}: server-sent events, a {@code stats} event whose data is the {@code /stats} JSON. At
 * most one a second per stream is the design (one timer per stream at a fixed rate of a second), not timed here.
 */
class ApiEventsTest {
    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1));

    @RegisterExtension
    @Order(2)
    final Api api = new Api(broker);

    @Test
    void theStreamCarriesStatsEvents() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(api.uri("/api/v1/events")).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        List<JsonNode> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            String event = null;
            while (events.size() < 2 && it.hasNext()) {
                String line = it.next();
                if (line.startsWith("event: ")) {
                    event = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    assertThat(event).isEqualTo("stats");
                    events.add(Api.JSON.readTree(line.substring("data: ".length())));
                }
            }
        }
        assertThat(events).hasSize(2);
        for (JsonNode stats : events) {
            assertThat(stats.has("uptimeSeconds")).isTrue();
            assertThat(stats.get("sessions").has("connected")).isTrue();
        }
    }
}
