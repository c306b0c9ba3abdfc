package io.midge.broker.config;

import io.midge.broker.config.BrokerConfig.QueueOverflow;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads one entry of {@code bridges}, its {@code tls} section and its {@code topics}. As for listeners, the keys of
 * a bridge depend on one another, so they are read here; each value by the table's types, worded alike, and every
 * mistake names the file and the line.
 */
final class BridgeReader {
    private static final ValueType<String> TEXT = new Text();
    private static final ValueType<Boolean> FLAG = new Flag();
    private static final ValueType<Path> FILE = new FileName();
    private static final ValueType<Integer> QOS = WholeNumber.integer(0, 2);
    private static final ValueType<Integer> KEEP_ALIVE = WholeNumber.integer(0, 65535);
    private static final ValueType<Long> SESSION_EXPIRY = WholeNumber.wide(0, 0xFFFF_FFFFL);
    private static final ValueType<Integer> MAX_MESSAGES = WholeNumber.integer(1, Integer.MAX_VALUE);
    private static final ValueType<Long> MAX_BYTES = WholeNumber.wide(1, Long.MAX_VALUE);
    private static final ValueType<ListenerConfig.Transport> TRANSPORT =
            Choice.of(List.of(ListenerConfig.Transport.values()), ListenerConfig.Transport::configName);
    private static final ValueType<String> VERSION = Choice.ofTexts("3.1.1", "5");
    private static final ValueType<BridgeConfig.Direction> DIRECTION = Choice.of(BridgeConfig.Direction.class);
    private static final ValueType<QueueOverflow> OVERFLOW = Choice.of(QueueOverflow.class);

    /** Defaults of a bridge's queue: generous, since what it holds was acknowledged to publishers. */
    static final int DEFAULT_MAX_MESSAGES = 100_000;
    static final long DEFAULT_MAX_BYTES = 256L << 20;

    private final YamlSource source;

    BridgeReader(YamlSource source) {
        this.source = source;
    }

    BridgeConfig bridge(String where, Node node) {
        String name = null;
        String address = null;
        ListenerConfig.Transport transport = ListenerConfig.Transport.TCP;
        String path = null;
        int version = 5;
        String clientId = null;
        String username = null;
        String password = null;
        boolean cleanStart = false;
        long sessionExpiry = 86_400;
        int keepAlive = 60;
        String localUser = null;
        BridgeConfig.Tls tls = null;
        List<BridgeConfig.TopicRule> topics = null;
        int maxMessages = DEFAULT_MAX_MESSAGES;
        long maxBytes = DEFAULT_MAX_BYTES;
        QueueOverflow overflow = QueueOverflow.DROP_OLDEST;
        Node addressNode = node;
        for (NodeTuple tuple : source.entries(where, node)) {
            String key = source.scalar(tuple.getKeyNode(), "a key");
            YamlValue value = new YamlValue(source, tuple.getValueNode(), where + "." + key);
            switch (key) {
                case "name" -> name = TEXT.read(value);
                case "address" -> {
                    address = TEXT.read(value);
                    addressNode = tuple.getValueNode();
                }
                case "transport" -> transport = TRANSPORT.read(value);
                case "path" -> path = TEXT.read(value);
                case "version" -> version = VERSION.read(value).equals("5") ? 5 : 4;
                case "client-id" -> clientId = TEXT.read(value);
                case "username" -> username = TEXT.read(value);
                case "password" -> password = TEXT.read(value);
                case "clean-start" -> cleanStart = FLAG.read(value);
                case "session-expiry" -> sessionExpiry = SESSION_EXPIRY.read(value);
                case "keep-alive" -> keepAlive = KEEP_ALIVE.read(value);
                case "local-user" -> localUser = TEXT.read(value);
                case "max-queued-messages" -> maxMessages = MAX_MESSAGES.read(value);
                case "max-queued-bytes" -> maxBytes = MAX_BYTES.read(value);
                case "queue-overflow" -> overflow = OVERFLOW.read(value);
                case "tls" -> tls = tls(value.key(), value.node());
                case "topics" -> topics = topics(value);
                default -> throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + value.key()
                        + "' (a bridge has name, address, transport, path, version, client-id, username, password, "
                        + "clean-start, session-expiry, keep-alive, local-user, max-queued-messages, "
                        + "max-queued-bytes, queue-overflow, tls, topics)");
            }
        }
        if (name == null) {
            throw new ConfigException(source.at(node) + ": '" + where + "' needs a name");
        }
        if (address == null) {
            throw new ConfigException(source.at(node) + ": '" + where + "' needs an address (host:port)");
        }
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException(source.at(addressNode) + ": '" + where + ".address' must be host:port with a "
                    + "port between 1 and 65535, not '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (topics == null) {
            throw new ConfigException(source.at(node) + ": '" + where + "' needs topics (at least one rule)");
        }
        if (clientId == null) {
            clientId = hostName() + "." + name;
        }
        if (transport.isSecure() && tls == null) {
            tls = new BridgeConfig.Tls(null, null, null, true); // the JDK's trust store
        }
        try {
            return new BridgeConfig(name, host, port, transport, path, version, clientId, username, password,
                    cleanStart, sessionExpiry, keepAlive, localUser, tls, topics, maxMessages, maxBytes, overflow);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    private List<BridgeConfig.TopicRule> topics(YamlValue value) {
        if (!(value.node() instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw value.wrong("must be a list of topic rules, each a mapping (filter, direction, qos, local-prefix, "
                    + "remote-prefix)");
        }
        List<BridgeConfig.TopicRule> rules = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            rules.add(rule(value.key() + "[" + i + "]", seq.getValue().get(i)));
        }
        return rules;
    }

    private BridgeConfig.TopicRule rule(String where, Node node) {
        String filter = null;
        BridgeConfig.Direction direction = null;
        int qos = 0;
        String localPrefix = "";
        String remotePrefix = "";
        for (NodeTuple tuple : source.entries(where, node)) {
            String key = source.scalar(tuple.getKeyNode(), "a key");
            YamlValue value = new YamlValue(source, tuple.getValueNode(), where + "." + key);
            switch (key) {
                case "filter" -> filter = TEXT.read(value);
                case "direction" -> direction = DIRECTION.read(value);
                case "qos" -> qos = QOS.read(value);
                case "local-prefix" -> localPrefix = TEXT.read(value);
                case "remote-prefix" -> remotePrefix = TEXT.read(value);
                default -> throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + value.key()
                        + "' (a topic rule has filter, direction, qos, local-prefix, remote-prefix)");
            }
        }
        if (filter == null || direction == null) {
            throw new ConfigException(source.at(node) + ": '" + where + "' needs a filter and a direction (in, out "
                    + "or both)");
        }
        try {
            return new BridgeConfig.TopicRule(filter, direction, qos, localPrefix, remotePrefix);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    private BridgeConfig.Tls tls(String where, Node node) {
        Path ca = null;
        Path cert = null;
        Path key = null;
        boolean verifyHostname = true;
        for (NodeTuple tuple : source.entries(where, node)) {
            String k = source.scalar(tuple.getKeyNode(), "a key");
            YamlValue value = new YamlValue(source, tuple.getValueNode(), where + "." + k);
            switch (k) {
                case "ca" -> ca = FILE.read(value);
                case "cert" -> cert = FILE.read(value);
                case "key" -> key = FILE.read(value);
                case "verify-hostname" -> verifyHostname = FLAG.read(value);
                default -> throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + value.key()
                        + "' (a bridge's tls has ca, cert, key, verify-hostname)");
            }
        }
        try {
            return new BridgeConfig.Tls(ca, cert, key, verifyHostname);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "midge";
        }
    }
}
