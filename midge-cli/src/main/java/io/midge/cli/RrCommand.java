package io.midge.cli;

import io.midge.client.IncomingMessage;
import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code midge rr}: MQTT 5 request/response. Subscribes to the response topic, publishes the request with Response
 * Topic and Correlation Data, prints the first response that carries the same Correlation Data (or none) and exits.
 */
@Command(name = "rr", sortOptions = false,
        description = "Sends an MQTT 5 request and prints the first response (as mosquitto_rr).",
        footer = {"", "Example:",
                "  midge rr -t rpc/thermostat/get -e rpc/replies/me -m '{\"room\":\"kitchen\"}' -W 5",
                "", ClientFailure.EXIT_CODES})
final class RrCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions connection;

    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "TOPIC", description = "Request topic.")
    String topic;

    @Option(names = {"-e", "--response-topic"}, required = true, paramLabel = "TOPIC",
            description = "Topic the response is expected on.")
    String responseTopic;

    @Option(names = {"-m", "--message"}, paramLabel = "MESSAGE", description = "The request payload (default empty).")
    String message = "";

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", description = "Quality of service, 0 (default), 1 or 2.")
    int qos;

    @Option(names = {"-W", "--timeout"}, paramLabel = "SECONDS",
            description = "Give up after this many seconds (default 10; status 3).")
    int timeout = 10;

    @Mixin
    PrintOptions printing;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!connection.version().isV5()) {
            throw new ParameterException(spec.commandLine(), "request/response needs MQTT 5 (-V mqttv5)");
        }
        byte[] correlation = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        MqttProperties properties = MqttPropertyOptions.publish(connection.properties, spec).toBuilder()
                .set(PropertyId.RESPONSE_TOPIC, responseTopic)
                .set(PropertyId.CORRELATION_DATA, Binary.of(correlation))
                .build();
        CompletableFuture<IncomingMessage> response = new CompletableFuture<>();
        MidgeClient.Builder builder = connection.builder(Duration.ofSeconds(timeout)).onMessage(m -> {
            byte[] c = m.correlationData();
            if (c == null || Arrays.equals(c, correlation)) {
                response.complete(m);
            }
        });
        try (MidgeClient client = builder.build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
            client.connect().get(timeout, TimeUnit.SECONDS);
            client.subscribe(responseTopic, qos).get(remaining(deadline), TimeUnit.NANOSECONDS);
            client.publish(new OutgoingMessage(topic, message.getBytes(StandardCharsets.UTF_8), qos, false,
                    properties)).get(remaining(deadline), TimeUnit.NANOSECONDS);
            IncomingMessage m;
            try {
                m = response.get(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                err.println("midge rr: no response on " + responseTopic + " within " + timeout + " s");
                return ClientFailure.TIMEOUT;
            }
            out.print(printing.printer().print(m));
            out.flush();
            client.disconnect().get(5, TimeUnit.SECONDS);
            return ClientFailure.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ClientFailure.report(err, "rr", e);
        } catch (Exception e) {
            return ClientFailure.report(err, "rr", e);
        }
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }
}
