package io.midge.cli;

import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import io.midge.client.PublishResult;
import io.midge.codec.property.MqttProperties;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code midge pub}: publishes one message, or one per line of standard input, as mosquitto_pub does. */
@Command(name = "pub", sortOptions = false,
        description = "Publishes a message to an MQTT broker (flags as mosquitto_pub's).",
        footer = {"", "Examples:",
                "  midge pub -t ward3/bed12/heartrate -m 72 -q 1",
                "  midge pub -t config/device7 -f settings.json -r",
                "  tail -f readings | midge pub -t meter/7 -l",
                "  midge pub -t a/b -m hi -D publish user-property unit bpm -D publish message-expiry-interval 60",
                "", ClientFailure.EXIT_CODES})
final class PubCommand implements Callable<Integer> {
    /** Where the payload comes from: exactly one. */
    static final class Source {
        @Option(names = {"-m", "--message"}, paramLabel = "MESSAGE", description = "The payload.")
        String message;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The payload is the file's content.")
        Path file;

        @Option(names = {"-l", "--stdin-line"}, description = "One message per line of standard input.")
        boolean lines;

        @Option(names = {"-n", "--null-message"}, description = "An empty payload.")
        boolean empty;

        @Option(names = {"-s", "--stdin-file"}, description = "The payload is all of standard input.")
        boolean stdin;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions connection;

    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "TOPIC", description = "Topic to publish to.")
    String topic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", description = "Quality of service, 0 (default), 1 or 2.")
    int qos;

    @Option(names = {"-r", "--retain"}, description = "Retain the message.")
    boolean retain;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Standard input; tests replace it. */
    InputStream in = System.in;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (qos < 0 || qos > 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-q must be 0, 1 or 2");
        }
        MqttProperties properties = MqttPropertyOptions.publish(connection.properties, spec);
        MidgeClient.Builder builder = connection.builder(Duration.ofSeconds(10));
        try (MidgeClient client = builder.build()) {
            client.connect().get(15, TimeUnit.SECONDS);
            List<CompletableFuture<PublishResult>> sent = new ArrayList<>();
            if (source.lines) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while ((line = reader.readLine()) != null) {
                    CompletableFuture<PublishResult> f = client.publish(message(line.getBytes(StandardCharsets.UTF_8),
                            properties));
                    sent.add(f);
                    if (f.isCompletedExceptionally()) {
                        break;
                    }
                }
            } else {
                sent.add(client.publish(message(payload(), properties)));
            }
            for (CompletableFuture<PublishResult> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
            client.disconnect().get(5, TimeUnit.SECONDS);
            return ClientFailure.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ClientFailure.report(err, "pub", e);
        } catch (Exception e) {
            return ClientFailure.report(err, "pub", e);
        }
    }

    private OutgoingMessage message(byte[] payload, MqttProperties properties) {
        return new OutgoingMessage(topic, payload, qos, retain, properties);
    }

    private byte[] payload() throws IOException {
        if (source.message != null) {
            return source.message.getBytes(StandardCharsets.UTF_8);
        }
        if (source.file != null) {
            return Files.readAllBytes(source.file);
        }
        if (source.stdin) {
            return in.readAllBytes();
        }
        return new byte[0];
    }
}
