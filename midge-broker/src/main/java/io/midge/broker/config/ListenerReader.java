package io.midge.broker.config;

import java.nio.file.Path;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads one entry of {@code listeners} and its {@code tls} section. Their keys depend on one another (a name made
 * of transport and port, tls only for secure transports), so they are read here rather than from the table of
 * keys; each value is still read by the table's types, and worded as the top-level keys are.
 */
final class ListenerReader {
    private static final ValueType<String> TEXT = new Text();
    private static final ValueType<Boolean> FLAG = new Flag();
    private static final ValueType<Path> FILE = new FileName();
    private static final ValueType<List<String>> TEXTS = new TextList();
    private static final ValueType<Integer> PORT = WholeNumber.integer(0, 65535);
    private static final ValueType<Integer> MAX_CONNECTIONS = WholeNumber.integer(0, Integer.MAX_VALUE);
    private static final ValueType<ListenerConfig.Transport> TRANSPORT =
            Choice.of(List.of(ListenerConfig.Transport.values()), ListenerConfig.Transport::configName);
    private static final ValueType<TlsConfig.ClientAuth> CLIENT_AUTH =
            Choice.of(TlsConfig.ClientAuth.class).listedAsOneOf();
    private static final ValueType<TlsConfig.CertificateUsername> CERTIFICATE_USERNAME =
            Choice.of(TlsConfig.CertificateUsername.class).listedAsOneOf();

    private final YamlSource source;

    ListenerReader(YamlSource source) {
        this.source = source;
    }

    ListenerConfig listener(String where, Node node) {
        String name = null;
        ListenerConfig.Transport transport = ListenerConfig.Transport.TCP;
        String host = ConfigKeys.HOST.defaultValue();
        Integer port = null;
        String path = null;
        Boolean allowAnonymous = null;
        int maxConnections = 0;
        TlsConfig tls = null;
        for (NodeTuple tuple : source.entries(where, node)) {
            String key = source.scalar(tuple.getKeyNode(), "a key");
            YamlValue value = new YamlValue(source, tuple.getValueNode(), where + "." + key);
            switch (key) {
                case "name" -> name = TEXT.read(value);
                case "transport" -> transport = TRANSPORT.read(value);
                case "host" -> host = TEXT.read(value);
                case "port" -> port = PORT.read(value);
                case "path" -> path = TEXT.read(value);
                case "allow-anonymous" -> allowAnonymous = FLAG.read(value);
                case "max-connections" -> maxConnections = MAX_CONNECTIONS.read(value);
                case "tls" -> tls = tls(value.key(), value.node());
                default -> throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + value.key()
                        + "' (a listener has name, transport, host, port, path, allow-anonymous, max-connections, "
                        + "tls)");
            }
        }
        if (port == null) {
            throw new ConfigException(source.at(node) + ": '" + where + "' needs a port");
        }
        if (name == null) {
            name = transport.configName() + "-" + port;
        }
        try {
            return new ListenerConfig(name, transport, host, port, path, allowAnonymous, maxConnections, tls);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.at(node) + ": '" + where + "': " + e.getMessage());
        }
    }

    /** A {@code tls} section, of a listener or of the HTTP listener ({@link TlsValue}). */
    TlsConfig tls(String where, Node node) {
        Path cert = null;
        Path key = null;
        Path ca = null;
        TlsConfig.ClientAuth clientAuth = TlsConfig.ClientAuth.NONE;
        TlsConfig.CertificateUsername certificateUsername = TlsConfig.CertificateUsername.NONE;
        List<String> protocols = null;
        for (NodeTuple tuple : source.entries(where, node)) {
            String k = source.scalar(tuple.getKeyNode(), "a key");
            YamlValue value = new YamlValue(source, tuple.getValueNode(), where + "." + k);
            switch (k) {
                case "cert" -> cert = FILE.read(value);
                case "key" -> key = FILE.read(value);
                case "ca" -> ca = FILE.read(value);
                case "client-auth" -> clientAuth = CLIENT_AUTH.read(value);
                case "certificate-username" -> certificateUsername = CERTIFICATE_USERNAME.read(value);
                case "protocols" -> protocols = TEXTS.read(value);
                default -> throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + value.key()
                        + "' (tls has cert, key, ca, client-auth, certificate-username, protocols)");
            }
        }
        try {
            return new TlsConfig(cert, key, ca, clientAuth, certificateUsername, protocols);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.at(node) + ": '" + where + "': " + e.getMessage());
        }
    }
}
