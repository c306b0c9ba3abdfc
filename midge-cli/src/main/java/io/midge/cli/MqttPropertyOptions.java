package io.midge.cli;

import io.midge.client.MidgeClient;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import java.util.List;
import java.util.Locale;
import java.util.Stack;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

/**
 * {@code -D COMMAND NAME VALUE} (and {@code -D COMMAND user-property NAME VALUE}), as mosquitto_pub has it: MQTT 5
 * properties for CONNECT, PUBLISH or SUBSCRIBE, named as in the specification, in lower case with dashes.
 */
final class MqttPropertyOptions {
    private MqttPropertyOptions() {
    }

    /** One -D. */
    record Entry(String command, String name, String value, String userValue) {
    }

    /** Takes three words after -D, four for a user property. */
    static final class Consumer implements CommandLine.IParameterConsumer {
        @Override
        @SuppressWarnings("unchecked")
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            if (args.size() < 3) {
                throw new ParameterException(commandSpec.commandLine(), "-D needs COMMAND PROPERTY VALUE");
            }
            String command = args.pop().toLowerCase(Locale.ROOT);
            String name = args.pop().toLowerCase(Locale.ROOT);
            String value = args.pop();
            String userValue = null;
            if (name.equals("user-property")) {
                if (args.isEmpty()) {
                    throw new ParameterException(commandSpec.commandLine(), "-D " + command
                            + " user-property needs NAME VALUE");
                }
                userValue = args.pop();
            }
            if (!List.of("connect", "publish", "subscribe").contains(command)) {
                throw new ParameterException(commandSpec.commandLine(),
                        "-D: COMMAND must be connect, publish or subscribe, not '" + command + "'");
            }
            List<Entry> list = argSpec.getValue();
            list.add(new Entry(command, name, value, userValue));
        }
    }

    static void applyConnect(List<Entry> entries, MidgeClient.Builder b, CommandSpec spec) {
        for (Entry e : entries) {
            if (!e.command().equals("connect")) {
                continue;
            }
            switch (e.name()) {
                case "session-expiry-interval" -> b.sessionExpiryInterval(number(e, spec));
                case "receive-maximum" -> b.receiveMaximum((int) number(e, spec));
                case "maximum-packet-size" -> b.maximumPacketSize((int) number(e, spec));
                case "topic-alias-maximum" -> b.topicAliasMaximum((int) number(e, spec));
                case "user-property" -> b.connectUserProperty(e.value(), e.userValue());
                default -> throw unknown(e, spec);
            }
        }
    }

    /** The PUBLISH properties among the entries. */
    static MqttProperties publish(List<Entry> entries, CommandSpec spec) {
        MqttProperties.Builder p = MqttProperties.builder();
        for (Entry e : entries) {
            if (!e.command().equals("publish")) {
                continue;
            }
            switch (e.name()) {
                case "message-expiry-interval" -> p.set(PropertyId.MESSAGE_EXPIRY_INTERVAL, number(e, spec));
                case "payload-format-indicator" -> p.set(PropertyId.PAYLOAD_FORMAT_INDICATOR, number(e, spec));
                case "content-type" -> p.set(PropertyId.CONTENT_TYPE, e.value());
                case "response-topic" -> p.set(PropertyId.RESPONSE_TOPIC, e.value());
                case "correlation-data" -> p.set(PropertyId.CORRELATION_DATA, Binary.utf8(e.value()));
                case "user-property" -> p.userProperty(e.value(), e.userValue());
                default -> throw unknown(e, spec);
            }
        }
        return p.build();
    }

    /** The SUBSCRIBE properties among the entries. */
    static MqttProperties subscribe(List<Entry> entries, CommandSpec spec) {
        MqttProperties.Builder p = MqttProperties.builder();
        for (Entry e : entries) {
            if (!e.command().equals("subscribe")) {
                continue;
            }
            switch (e.name()) {
                case "subscription-identifier" -> p.set(PropertyId.SUBSCRIPTION_IDENTIFIER, number(e, spec));
                case "user-property" -> p.userProperty(e.value(), e.userValue());
                default -> throw unknown(e, spec);
            }
        }
        return p.build();
    }

    private static long number(Entry e, CommandSpec spec) {
        try {
            return Long.parseLong(e.value());
        } catch (NumberFormatException x) {
            throw new ParameterException(spec.commandLine(),
                    "-D " + e.command() + " " + e.name() + " needs a number, not '" + e.value() + "'");
        }
    }

    private static ParameterException unknown(Entry e, CommandSpec spec) {
        return new ParameterException(spec.commandLine(),
                "-D: '" + e.name() + "' is not a property midge can set on " + e.command());
    }
}
