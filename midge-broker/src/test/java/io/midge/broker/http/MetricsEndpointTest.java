package io.midge.broker.http;

import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} after real MQTT traffic: the page parses as Prometheus text, and each required metric moved. */
class MetricsEndpointTest {
    @TempDir
    static Path dir;

    // Durable, so that the store commits (the histogram); a queue of one, so that a second message is dropped.
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(HTTP_PORT, -1).set(MAX_QUEUED_MESSAGES, 1))
            .durable(dir);

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyRequiredMetricMovesWithTraffic() throws Exception {
        PrometheusText before = scrape();
        assertThat(before.value("midge_sessions{state=\"connected\"}")).isZero();

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = client("sub", false);
        subscriber.subscribe("t/#", 2, (topic, m) -> received.add(new String(m.getPayload(),
                StandardCharsets.UTF_8)));
        MqttClient offline = client("offline", false);
        offline.subscribe("q/#", 1);
        offline.disconnect();
        offline.close();
        MqttClient publisher = client("pub", true);
        for (int qos = 0; qos < 3; qos++) {
            publisher.publish("t/" + qos, ("m" + qos).getBytes(StandardCharsets.UTF_8), qos, false);
        }
        publisher.publish("r/kept", "kept".getBytes(StandardCharsets.UTF_8), 1, true);
        publisher.publish("q/1", "one".getBytes(StandardCharsets.UTF_8), 1, false);
        publisher.publish("q/2", "two".getBytes(StandardCharsets.UTF_8), 1, false); // the queue holds one
        await().until(() -> received.size() == 3);

        PrometheusText after = scrape();
        assertThat(after.types).containsEntry("midge_sessions", "gauge")
                .containsEntry("midge_store_commit_seconds", "histogram");
        assertThat(after.value("midge_connections{listener=\"default\"}")).isEqualTo(2);
        assertThat(after.value("midge_sessions{state=\"connected\"}")).isEqualTo(2);
        assertThat(after.value("midge_sessions{state=\"offline\"}")).isEqualTo(1);
        assertThat(after.value("midge_subscriptions")).isEqualTo(2);
        assertThat(after.value("midge_retained_messages")).isEqualTo(1);
        assertThat(after.value("midge_queued_messages")).isEqualTo(1);
        for (String qos : List.of("0", "1", "2")) {
            assertThat(after.value("midge_messages_received_total{qos=\"" + qos + "\"}")).isPositive();
            assertThat(after.value("midge_messages_sent_total{qos=\"" + qos + "\"}")).isPositive();
        }
        assertThat(after.value("midge_messages_dropped_total{reason=\"queue_full\"}")).isEqualTo(1);
        assertThat(after.value("midge_bytes_received_total"))
                .isGreaterThan(before.value("midge_bytes_received_total"));
        assertThat(after.value("midge_bytes_sent_total")).isGreaterThan(before.value("midge_bytes_sent_total"));
        assertThat(after.value("midge_store_commit_seconds_count"))
                .isGreaterThan(before.value("midge_store_commit_seconds_count"));
        assertThat(after.samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"))
                .anyMatch(k -> k.startsWith("netty_allocator_memory_used"));
        // The allocator the channels use, not an idle one: its direct memory holds the connections' buffers.
        assertThat(after.samples.keySet().stream()
                .filter(k -> k.startsWith("netty_allocator_memory_used") && k.contains("memory_type=\"direct\""))
                .mapToDouble(after::value).sum()).isPositive();

        assertThat(after.value("midge_connections_refused_total{reason=\"bad_credentials\"}")).isZero();
        publisher.disconnect();
        subscriber.disconnect();
        await().until(() -> scrape().value("midge_sessions{state=\"connected\"}") == 0);
    }

    @Test
    void thePrometheusProjectsOwnParserReadsThePageAsWeDo() throws Exception {
        // The reference parser of the Prometheus project's Python client (Debian's python3-prometheus-client,
        // which .ci/run installs): it refuses what Prometheus would refuse, and must read the values our reader reads.
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c",
                "import prometheus_client.parser").start().waitFor() == 0,
                "no python3-prometheus-client: the page is checked by PrometheusText only");
        MqttClient publisher = client("pub", true);
        publisher.publish("t/1", "m".getBytes(StandardCharsets.UTF_8), 1, false);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(broker.httpUri() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Process parser = new ProcessBuilder(python.toString(), "-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(sys.stdin.read()):
                    for sample in family.samples:
                        labels = ",".join('%s="%s"' % kv for kv in sorted(sample.labels.items()))
                        print("%s %s{%s} %r" % (family.type, sample.name, labels, sample.value))
                """).redirectErrorStream(true).start();
        try (var in = parser.getOutputStream()) {
            in.write(response.body().getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(parser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(parser.waitFor()).as(out).isZero();
        PrometheusText ours = PrometheusText.parse(response.body());
        assertThat(out.lines()).as(out).hasSize(ours.samples.size())
                .contains("gauge midge_sessions{state=\"connected\"} 1.0")
                .contains("counter midge_messages_received_total{qos=\"1\"} "
                        + ours.value("midge_messages_received_total{qos=\"1\"}"))
                .anyMatch(line -> line.startsWith("histogram midge_store_commit_seconds_bucket{"));
        publisher.disconnect();
    }

    private MqttClient client(String id, boolean clean) throws Exception {
        MqttClient client = new MqttClient(broker.uri(), id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(clean);
        client.connect(options);
        return client;
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(broker.httpUri() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(response.body());
    }
}
