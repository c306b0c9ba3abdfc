package io.midge.broker.config;

import io.midge.broker.persistence.SyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a YAML configuration file over the defaults. Every key is known and every value checked: a mistake stops
 * the start with a message that names the file, the line and the key, never a silent default.
 */
public final class ConfigLoader {
    private final String file;

    private ConfigLoader(String file) {
        this.file = file;
    }

    public static BrokerConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read the configuration file: " + e.getMessage());
        }
        return new ConfigLoader(path.toString()).parse(text, BrokerConfig.builder());
    }

    /** Parses YAML text; {@code file} names it in error messages. */
    public static BrokerConfig parse(String file, String text) {
        return new ConfigLoader(file).parse(text, BrokerConfig.builder());
    }

    private BrokerConfig parse(String text, BrokerConfig.Builder b) {
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(file).build()).composeString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root.isEmpty()) {
            return b.build();
        }
        if (!(root.get() instanceof MappingNode mapping)) {
            throw new ConfigException(at(root.get()) + ": the configuration must be a mapping of keys to values");
        }
        List<String> seen = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key");
            if (seen.contains(key)) {
                throw new ConfigException(at(tuple.getKeyNode()) + ": key '" + key + "' is given twice");
            }
            seen.add(key);
            Node value = tuple.getValueNode();
            switch (key) {
                case "host" -> b.host(string(key, value));
                case "port" -> b.port(integer(key, value, 0, 65535));
                case "max-packet-size" -> b.maxPacketSize(integer(key, value, 64, 268_435_460));
                case "receive-maximum" -> b.receiveMaximum(integer(key, value, 1, 65535));
                case "max-inflight" -> b.maxInflight(integer(key, value, 1, 65535));
                case "topic-alias-maximum" -> b.topicAliasMaximum(integer(key, value, 0, 65535));
                case "max-keep-alive" -> b.maxKeepAlive(integer(key, value, 0, 65535));
                case "max-queued-messages" -> b.maxQueuedMessages(integer(key, value, 0, Integer.MAX_VALUE));
                case "max-queued-bytes" -> b.maxQueuedBytes(longValue(key, value, 0, Long.MAX_VALUE));
                case "queue-overflow" -> b.queueOverflow(overflow(key, value));
                case "queue-qos0" -> b.queueQos0(bool(key, value));
                case "max-session-expiry" -> b.maxSessionExpiry(longValue(key, value, 0, 0xFFFF_FFFFL));
                case "maximum-qos" -> b.maximumQos(integer(key, value, 0, 2));
                case "retain-available" -> b.retainAvailable(bool(key, value));
                case "deny-subscribe" -> b.denySubscribe(stringList(key, value));
                case "connect-timeout" -> b.connectTimeoutSeconds(integer(key, value, 1, 3600));
                case "response-information" -> b.responseInformation(string(key, value));
                case "io-threads" -> b.ioThreads(integer(key, value, 0, 1024));
                case "data-dir" -> b.dataDir(Path.of(string(key, value)));
                case "in-memory" -> b.inMemory(bool(key, value));
                case "sync" -> b.sync(sync(key, value));
                case "sync-interval-ms" -> b.syncIntervalMillis(longValue(key, value, 1, 3_600_000));
                default -> throw new ConfigException(at(tuple.getKeyNode()) + ": unknown key '" + key
                        + "' (the README lists every key)");
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    private String at(Node node) {
        Optional<Mark> mark = node.getStartMark();
        return mark.map(m -> file + ":" + (m.getLine() + 1)).orElse(file);
    }

    private String scalar(Node node, String what) {
        if (!(node instanceof ScalarNode s)) {
            throw new ConfigException(at(node) + ": expected " + what + ", found a " + kind(node));
        }
        return s.getValue();
    }

    private static String kind(Node node) {
        return node instanceof MappingNode ? "mapping" : node instanceof SequenceNode ? "list" : "value";
    }

    private String string(String key, Node node) {
        return scalar(node, "a text value for '" + key + "'");
    }

    private long longValue(String key, Node node, long min, long max) {
        String text = scalar(node, "a number for '" + key + "'").replace("_", "");
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(at(node) + ": '" + key + "' must be a whole number, not '" + text + "'");
        }
        if (value < min || value > max) {
            throw new ConfigException(at(node) + ": '" + key + "' must be between " + min + " and " + max
                    + ", not " + value);
        }
        return value;
    }

    private int integer(String key, Node node, int min, int max) {
        return (int) longValue(key, node, min, max);
    }

    private boolean bool(String key, Node node) {
        String text = scalar(node, "true or false for '" + key + "'");
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(at(node) + ": '" + key + "' must be true or false, not '" + text + "'");
        };
    }

    private BrokerConfig.QueueOverflow overflow(String key, Node node) {
        String text = scalar(node, "drop-new or drop-oldest for '" + key + "'");
        return switch (text) {
            case "drop-new" -> BrokerConfig.QueueOverflow.DROP_NEW;
            case "drop-oldest" -> BrokerConfig.QueueOverflow.DROP_OLDEST;
            default -> throw new ConfigException(at(node) + ": '" + key + "' must be drop-new or drop-oldest, not '"
                    + text + "'");
        };
    }

    private SyncPolicy sync(String key, Node node) {
        String text = scalar(node, "always, interval or none for '" + key + "'");
        return switch (text) {
            case "always" -> SyncPolicy.ALWAYS;
            case "interval" -> SyncPolicy.INTERVAL;
            case "none" -> SyncPolicy.NONE;
            default -> throw new ConfigException(at(node) + ": '" + key + "' must be always, interval or none, not '"
                    + text + "'");
        };
    }

    private List<String> stringList(String key, Node node) {
        if (!(node instanceof SequenceNode seq)) {
            throw new ConfigException(at(node) + ": '" + key + "' must be a list");
        }
        List<String> values = new ArrayList<>();
        for (Node item : seq.getValue()) {
            values.add(scalar(item, "a text item in '" + key + "'"));
        }
        return values;
    }
}
