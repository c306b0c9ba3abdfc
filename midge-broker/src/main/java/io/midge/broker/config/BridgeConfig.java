package io.midge.broker.config;

import io.midge.broker.config.BrokerConfig.QueueOverflow;
import java.nio.file.Path;
import java.util.List;

/**
 * One bridge to another MQTT broker: where it is, how to log in, and which topics cross in which direction.
 *
 * @param name              names the bridge in logs, metrics, {@code $SYS} and its stored queue ({@code $bridge/<name>})
 * @param host              the remote broker's address
 * @param port              its port
 * @param transport         TCP, TLS, WebSocket or secure WebSocket
 * @param path              the HTTP path of a WebSocket remote
 * @param version           the MQTT protocol level spoken to the remote: 4 (3.1.1) or 5
 * @param clientId          the client identifier on the remote
 * @param username          the user name on the remote, or null
 * @param password          its password, or null
 * @param cleanStart        whether the remote session starts afresh at each connection
 * @param sessionExpiry     seconds the remote keeps the session after the link drops (5.0)
 * @param keepAlive         keep-alive towards the remote, in seconds
 * @param localUser         the user inbound messages are published as here (the ACL's publish rights); null: any
 * @param tls               CA, client certificate and key for a TLS or WSS remote; null for the others
 * @param topics            the topic rules, at least one
 * @param maxQueuedMessages messages the outbound queue holds at most
 * @param maxQueuedBytes    payload bytes the outbound queue holds at most
 * @param queueOverflow     what a full outbound queue does with one more message
 */
public record BridgeConfig(String name, String host, int port, ListenerConfig.Transport transport, String path,
                           int version, String clientId, String username, String password, boolean cleanStart,
                           long sessionExpiry, int keepAlive, String localUser, Tls tls, List<TopicRule> topics,
                           int maxQueuedMessages, long maxQueuedBytes, QueueOverflow queueOverflow) {

    /** Which way messages cross a topic rule. */
    public enum Direction {
        /** From this broker to the remote. */
        OUT,
        /** From the remote to this broker. */
        IN,
        /** Both ways. */
        BOTH;

        public boolean out() {
            return this != IN;
        }

        public boolean in() {
            return this != OUT;
        }
    }

    /**
     * The TLS side of a bridge, as a client.
     *
     * @param caFile         the certificates the remote's must chain to (PEM); null: the JDK's trust store
     * @param certFile       the bridge's client certificate (PEM), or null
     * @param keyFile        its private key (PEM, PKCS#8), or null
     * @param verifyHostname whether the remote's certificate must name {@code host}
     */
    public record Tls(Path caFile, Path certFile, Path keyFile, boolean verifyHostname) {
        public Tls {
            check((certFile == null) == (keyFile == null), "tls cert needs key, and key needs cert");
        }
    }

    /**
     * A topic rule, as Mosquitto's {@code topic pattern direction qos local-prefix remote-prefix}: the filter
     * {@code localPrefix + filter} here is {@code remotePrefix + filter} there.
     */
    public record TopicRule(String filter, Direction direction, int qos, String localPrefix, String remotePrefix) {
        public TopicRule {
            check(filter != null && !filter.isEmpty(), "a topic rule needs a filter");
            check(direction != null, "a topic rule needs a direction");
            check(qos >= 0 && qos <= 2, "qos must be 0, 1 or 2, not " + qos);
            localPrefix = localPrefix == null ? "" : localPrefix;
            remotePrefix = remotePrefix == null ? "" : remotePrefix;
            check(!localPrefix.contains("#") && !localPrefix.contains("+")
                    && !remotePrefix.contains("#") && !remotePrefix.contains("+"), "prefixes may hold no wildcard");
        }

        /** The filter as this broker sees it. */
        public String localFilter() {
            return localPrefix + filter;
        }

        /** The filter as the remote sees it. */
        public String remoteFilter() {
            return remotePrefix + filter;
        }
    }

    public BridgeConfig {
        check(name != null && !name.isBlank() && !name.contains("/") && !name.contains("+")
                && !name.contains("#"), "a bridge needs a name without '/', '+' or '#'");
        check(host != null && !host.isBlank(), "bridge '" + name + "' needs an address");
        check(port >= 1 && port <= 65535, "bridge '" + name + "': port must be between 1 and 65535, not " + port);
        check(transport != null, "bridge '" + name + "': transport is required");
        check(version == 4 || version == 5, "bridge '" + name + "': version must be 3.1.1 or 5");
        check(clientId != null && !clientId.isEmpty(), "bridge '" + name + "' needs a client-id");
        check(password == null || username != null, "bridge '" + name + "': a password needs a username");
        check(keepAlive >= 0 && keepAlive <= 65535, "bridge '" + name + "': keep-alive must be 0 to 65535");
        check(sessionExpiry >= 0 && sessionExpiry <= 0xFFFF_FFFFL,
                "bridge '" + name + "': session-expiry must be 0 to 4294967295");
        check(transport.isSecure() == (tls != null) || tls == null,
                "bridge '" + name + "': tls is for transport tls or wss");
        check(topics != null && !topics.isEmpty(), "bridge '" + name + "' needs at least one topic rule");
        topics = List.copyOf(topics);
        check(maxQueuedMessages >= 1, "bridge '" + name + "': max-queued-messages must be at least 1");
        check(maxQueuedBytes >= 1, "bridge '" + name + "': max-queued-bytes must be at least 1");
        if (queueOverflow == null) {
            queueOverflow = QueueOverflow.DROP_OLDEST;
        }
        if (path == null) {
            path = "/mqtt";
        }
    }

    /** Whether any rule sends messages out. */
    public boolean hasOut() {
        return topics.stream().anyMatch(t -> t.direction().out());
    }

    /** Where the remote is, as logs say it. */
    public String address() {
        return host + ":" + port;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        // Never the password.
        return "bridge '" + name + "' to " + transport.configName() + "://" + address() + " as " + clientId;
    }
}
