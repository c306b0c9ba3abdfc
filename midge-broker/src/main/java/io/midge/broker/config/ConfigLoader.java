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
    /** Where relative file names in the configuration (certificates, password and ACL files) start from. */
    private final Path baseDir;

    private ConfigLoader(String file, Path baseDir) {
        this.file = file;
        this.baseDir = baseDir;
    }

    public static BrokerConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read the configuration file: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    /**
     * Parses YAML text; {@code file} names it in error messages, and relative file names in it are taken from the
     * file's directory.
     */
    public static BrokerConfig parse(String file, String text) {
        Path parent = Path.of(file).getParent();
        return new ConfigLoader(file, parent != null ? parent : Path.of("")).parse(text, BrokerConfig.builder());
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
                case "listeners" -> b.listeners(listeners(value));
                case "password-file" -> b.passwordFile(file(key, value));
                case "acl-file" -> b.aclFile(file(key, value));
                case "max-connections" -> b.maxConnections(integer(key, value, 0, Integer.MAX_VALUE));
                case "max-connection-rate" -> b.maxConnectionRate(integer(key, value, 0, Integer.MAX_VALUE));
                case "max-subscriptions" -> b.maxSubscriptions(integer(key, value, 0, Integer.MAX_VALUE));
                case "max-publish-rate" -> b.maxPublishRate(integer(key, value, 0, Integer.MAX_VALUE));
                case "max-publish-bandwidth" -> b.maxPublishBandwidth(integer(key, value, 0, Integer.MAX_VALUE));
                case "log-level" -> b.logLevel(logLevel(key, value));
                default -> throw new ConfigException(at(tuple.getKeyNode()) + ": unknown key '" + key
                        + "' (the README lists every key)");
            }
        }
        if (seen.contains("listeners") && (seen.contains("host") || seen.contains("port"))) {
            throw new ConfigException(at(mapping) + ": 'host' and 'port' describe the one listener of a "
                    + "configuration without 'listeners'; with 'listeners', give each listener its own");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    private List<ListenerConfig> listeners(Node node) {
        if (!(node instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw new ConfigException(at(node) + ": 'listeners' must be a list of listeners, each a mapping");
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            listeners.add(listener("listeners[" + i + "]", seq.getValue().get(i)));
        }
        return listeners;
    }

    private ListenerConfig listener(String where, Node node) {
        String name = null;
        ListenerConfig.Transport transport = ListenerConfig.Transport.TCP;
        String host = "127.0.0.1";
        Integer port = null;
        String path = null;
        Boolean allowAnonymous = null;
        int maxConnections = 0;
        TlsConfig tls = null;
        for (NodeTuple tuple : entries(where, node)) {
            String key = scalar(tuple.getKeyNode(), "a key");
            String qualified = where + "." + key;
            Node value = tuple.getValueNode();
            switch (key) {
                case "name" -> name = string(qualified, value);
                case "transport" -> transport = transport(qualified, value);
                case "host" -> host = string(qualified, value);
                case "port" -> port = integer(qualified, value, 0, 65535);
                case "path" -> path = string(qualified, value);
                case "allow-anonymous" -> allowAnonymous = bool(qualified, value);
                case "max-connections" -> maxConnections = integer(qualified, value, 0, Integer.MAX_VALUE);
                case "tls" -> tls = tls(qualified, value);
                default -> throw new ConfigException(at(tuple.getKeyNode()) + ": unknown key '" + qualified
                        + "' (a listener has name, transport, host, port, path, allow-anonymous, max-connections, "
                        + "tls)");
            }
        }
        if (port == null) {
            throw new ConfigException(at(node) + ": '" + where + "' needs a port");
        }
        if (name == null) {
            name = transport.configName() + "-" + port;
        }
        try {
            return new ListenerConfig(name, transport, host, port, path, allowAnonymous, maxConnections, tls);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    private TlsConfig tls(String where, Node node) {
        Path cert = null;
        Path key = null;
        Path ca = null;
        TlsConfig.ClientAuth clientAuth = TlsConfig.ClientAuth.NONE;
        TlsConfig.CertificateUsername certificateUsername = TlsConfig.CertificateUsername.NONE;
        List<String> protocols = null;
        for (NodeTuple tuple : entries(where, node)) {
            String k = scalar(tuple.getKeyNode(), "a key");
            String qualified = where + "." + k;
            Node value = tuple.getValueNode();
            switch (k) {
                case "cert" -> cert = file(qualified, value);
                case "key" -> key = file(qualified, value);
                case "ca" -> ca = file(qualified, value);
                case "client-auth" -> clientAuth = oneOf(qualified, value, TlsConfig.ClientAuth.class);
                case "certificate-username" ->
                        certificateUsername = oneOf(qualified, value, TlsConfig.CertificateUsername.class);
                case "protocols" -> protocols = stringList(qualified, value);
                default -> throw new ConfigException(at(tuple.getKeyNode()) + ": unknown key '" + qualified
                        + "' (tls has cert, key, ca, client-auth, certificate-username, protocols)");
            }
        }
        try {
            return new TlsConfig(cert, key, ca, clientAuth, certificateUsername, protocols);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    /** The entries of a mapping, each key once. */
    private List<NodeTuple> entries(String where, Node node) {
        if (!(node instanceof MappingNode m)) {
            throw new ConfigException(at(node) + ": '" + where + "' must be a mapping of keys to values");
        }
        List<String> seen = new ArrayList<>();
        for (NodeTuple tuple : m.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key");
            if (seen.contains(key)) {
                throw new ConfigException(at(tuple.getKeyNode()) + ": key '" + where + "." + key
                        + "' is given twice");
            }
            seen.add(key);
        }
        return m.getValue();
    }

    private ListenerConfig.Transport transport(String key, Node node) {
        String text = scalar(node, "tcp, tls, ws or wss for '" + key + "'");
        for (ListenerConfig.Transport t : ListenerConfig.Transport.values()) {
            if (t.configName().equals(text)) {
                return t;
            }
        }
        throw new ConfigException(at(node) + ": '" + key + "' must be tcp, tls, ws or wss, not '" + text + "'");
    }

    /** One of an enum's constants, written in lower case in the file. */
    private <E extends Enum<E>> E oneOf(String key, Node node, Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        String text = scalar(node, "one of " + String.join(", ", names) + " for '" + key + "'");
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(text)) {
                return e;
            }
        }
        throw new ConfigException(at(node) + ": '" + key + "' must be one of " + String.join(", ", names)
                + ", not '" + text + "'");
    }

    /** A file name; a relative one is taken from the configuration file's directory. */
    private Path file(String key, Node node) {
        String text = scalar(node, "a file name for '" + key + "'");
        if (text.isBlank()) {
            throw new ConfigException(at(node) + ": '" + key + "' must name a file");
        }
        return baseDir.resolve(text).normalize();
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

    private String logLevel(String key, Node node) {
        String text = scalar(node, "a log level for '" + key + "'");
        if (!BrokerConfig.LOG_LEVELS.contains(text)) {
            throw new ConfigException(at(node) + ": '" + key + "' must be one of "
                    + String.join(", ", BrokerConfig.LOG_LEVELS) + ", not '" + text + "'");
        }
        return text;
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
