package io.midge.cli;

import io.midge.client.ConnectionListener;
import io.midge.client.IncomingMessage;
import io.midge.client.MidgeClient;
import io.midge.client.SubscribeResult;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code midge sub}: prints the messages of topic filters, as mosquitto_sub does. */
@Command(name = "sub", sortOptions = false,
        description = "Subscribes to topic filters and prints the messages (flags as mosquitto_sub's).",
        footer = {"", "Examples:",
                "  midge sub -t 'ward3/+/heartrate' -q 1 -v",
                "  midge sub -t 'meter/#' -C 10 -W 30 --json",
                "  midge sub -t a/b -F '%I %t %q %p'",
                "", "-F: %t topic, %p payload, %q QoS, %r retain, %l length, %m packet id, %I ISO time, %U Unix time,",
                "    %x/%X hex payload, %C content type, %E expiry, %R response topic, %D correlation data,",
                "    %P user properties, %% percent; \\n \\t \\\\ escapes.",
                "--json: {\"topic\",\"payload\" (base64 with \"payload_base64\":true when not UTF-8),\"qos\",\"retain\",\"properties\"}",
                "", ClientFailure.EXIT_CODES})
final class SubCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions connection;

    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "FILTER",
            description = "Topic filter to subscribe to (repeatable).")
    List<String> topics;

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", description = "Quality of service, 0 (default), 1 or 2.")
    int qos;

    @Option(names = {"-C", "--count"}, paramLabel = "N", description = "Exit after N messages.")
    int count;

    @Option(names = {"-W", "--timeout"}, paramLabel = "SECONDS",
            description = "Exit after this many seconds (status 3 if -C was not reached).")
    int timeout;

    @Mixin
    PrintOptions printing;

    @Option(names = {"-R", "--no-retained"}, description = "Do not print retained (stale) messages.")
    boolean noRetained;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (qos < 0 || qos > 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-q must be 0, 1 or 2");
        }
        MqttProperties subscribeProperties = MqttPropertyOptions.subscribe(connection.properties, spec);
        MessagePrinter printer = printing.printer();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger printed = new AtomicInteger();
        MidgeClient.Builder builder = connection.builder(Duration.ofSeconds(10)).onMessage(m -> {
            if (done.isDone() || noRetained && m.retain()) {
                return;
            }
            print(out, printer, m);
            if (count > 0 && printed.incrementAndGet() >= count) {
                done.complete(ClientFailure.OK);
            }
        });
        try (MidgeClient client = builder.build()) {
            client.addConnectionListener(new ConnectionListener() {
                @Override
                public void disconnected(Throwable cause) {
                    done.completeExceptionally(cause);
                }
            });
            client.connect().get(15, TimeUnit.SECONDS);
            List<Subscription> subs = new ArrayList<>();
            for (String t : topics) {
                subs.add(new Subscription(t, qos));
            }
            SubscribeResult result = client.subscribe(subs, subscribeProperties).get(15, TimeUnit.SECONDS);
            for (int i = 0; i < result.reasonCodes().size(); i++) {
                ReasonCode code = result.reasonCodes().get(i);
                if (code.isError()) {
                    err.println("midge sub: subscription to " + topics.get(i) + " refused: "
                            + io.midge.client.MqttClientException.describe(code));
                }
            }
            int status;
            try {
                status = timeout > 0 ? done.get(timeout, TimeUnit.SECONDS) : done.get();
            } catch (TimeoutException e) {
                status = count > 0 ? ClientFailure.TIMEOUT : ClientFailure.OK;
                if (status == ClientFailure.TIMEOUT) {
                    err.println("midge sub: timed out after " + timeout + " s with " + printed.get() + " of " + count
                            + " messages");
                }
            }
            client.disconnect().get(5, TimeUnit.SECONDS);
            out.flush();
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ClientFailure.report(err, "sub", e);
        } catch (Exception e) {
            out.flush();
            return ClientFailure.report(err, "sub", e);
        }
    }

    private static void print(PrintWriter out, MessagePrinter printer, IncomingMessage m) {
        synchronized (out) {
            out.print(printer.print(m));
            out.flush();
        }
    }
}
