package io.midge.client;

import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.property.MqttProperties;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The settings {@link MidgeClient.Builder} collects, and their checks. A class of their own so that the client's
 * file holds its operations; generic in the builder's type so that every setter returns the builder, whose
 * {@code build()} makes the client.
 *
 * @param <B> the builder
 */
abstract class ClientSettingsBuilder<B extends ClientSettingsBuilder<B>> {
    private String host = "127.0.0.1";
    private int port = 1883;
    private MqttVersion version = MqttVersion.MQTT_5;
    private String clientId;
    private boolean cleanStart = true;
    private int keepAlive = 60;
    private long sessionExpiry;
    private String username;
    private byte[] password;
    private OutgoingMessage will;
    private long willDelay;
    private final MqttProperties.Builder userProperties = MqttProperties.builder();
    private int receiveMaximum = 65535;
    private int maximumPacketSize;
    private int topicAliasMaximum;
    private boolean useTopicAliases = true;
    private TlsSettings tls;
    private String webSocketPath;
    private ReconnectPolicy reconnect = ReconnectPolicy.defaults();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private EnhancedAuthenticator authenticator;
    private boolean resubscribe = true;
    private OfflineBuffer buffer;
    private EventLoopGroup group;
    private MessageListener listener;

    /** The broker's host name or address (default 127.0.0.1). */
    public B host(String host) {
        this.host = Objects.requireNonNull(host);
        return self();
    }

    /** The broker's port (default 1883). */
    public B port(int port) {
        this.port = port;
        return self();
    }

    /** MQTT_5 (default) or MQTT_3_1_1. */
    public B version(MqttVersion version) {
        if (version == MqttVersion.MQTT_3_1) {
            throw new IllegalArgumentException("the client speaks MQTT 3.1.1 and 5.0");
        }
        this.version = Objects.requireNonNull(version);
        return self();
    }

    /**
     * The client identifier. Default: with 5.0 empty (the broker assigns one), with 3.1.1 a random
     * {@code midge-...} one.
     */
    public B clientId(String clientId) {
        this.clientId = Objects.requireNonNull(clientId);
        return self();
    }

    /** Clean Start (5.0) / Clean Session (3.1.1) of the first connection (default true). */
    public B cleanStart(boolean cleanStart) {
        this.cleanStart = cleanStart;
        return self();
    }

    /** The keep-alive in seconds (default 60; 0 turns it off). */
    public B keepAlive(int seconds) {
        this.keepAlive = seconds;
        return self();
    }

    /** MQTT 5.0: the Session Expiry Interval in seconds (default 0: the session ends with the connection). */
    public B sessionExpiryInterval(long seconds) {
        this.sessionExpiry = seconds;
        return self();
    }

    /** User name and password (either may be null). */
    public B credentials(String username, byte[] password) {
        this.username = username;
        this.password = password;
        return self();
    }

    /** User name and a UTF-8 password. */
    public B credentials(String username, String password) {
        return credentials(username, password == null ? null : password.getBytes(StandardCharsets.UTF_8));
    }

    /** The will message, and (MQTT 5.0) its Will Delay Interval in seconds. */
    public B will(OutgoingMessage will, long delaySeconds) {
        this.will = will;
        this.willDelay = delaySeconds;
        return self();
    }

    /** MQTT 5.0: a User Property on CONNECT. */
    public B connectUserProperty(String name, String value) {
        userProperties.userProperty(name, value);
        return self();
    }

    /** MQTT 5.0: QoS 1/2 messages the broker may have unacknowledged towards this client (default 65535). */
    public B receiveMaximum(int receiveMaximum) {
        this.receiveMaximum = receiveMaximum;
        return self();
    }

    /** The largest packet the client accepts (default: no limit beyond MQTT's); sent with 5.0. */
    public B maximumPacketSize(int bytes) {
        this.maximumPacketSize = bytes;
        return self();
    }

    /** MQTT 5.0: the topic aliases the broker may use towards this client (default 0). */
    public B topicAliasMaximum(int maximum) {
        this.topicAliasMaximum = maximum;
        return self();
    }

    /** MQTT 5.0: whether the client uses topic aliases, up to the broker's maximum (default true). */
    public B useTopicAliases(boolean use) {
        this.useTopicAliases = use;
        return self();
    }

    /** Speaks TLS with these settings. */
    public B tls(TlsSettings tls) {
        this.tls = tls;
        return self();
    }

    /** Speaks MQTT over WebSocket (subprotocol {@code mqtt}) at this path, e.g. {@code /mqtt}. */
    public B webSocket(String path) {
        this.webSocketPath = path.startsWith("/") ? path : "/" + path;
        return self();
    }

    /** When to reconnect (default {@link ReconnectPolicy#defaults()}). */
    public B reconnect(ReconnectPolicy policy) {
        this.reconnect = Objects.requireNonNull(policy);
        return self();
    }

    /** How long a connection attempt may take, up to CONNACK (default 10 s). */
    public B connectTimeout(Duration timeout) {
        this.connectTimeout = Objects.requireNonNull(timeout);
        return self();
    }

    /** MQTT 5.0: enhanced authentication with this method. */
    public B enhancedAuthentication(EnhancedAuthenticator authenticator) {
        this.authenticator = authenticator;
        return self();
    }

    /** Whether a new session after a reconnect gets the client's subscriptions again (default true). */
    public B resubscribe(boolean resubscribe) {
        this.resubscribe = resubscribe;
        return self();
    }

    /** Where waiting publishes are kept (default {@code OfflineBuffer.inMemory(10_000)}); closed with the client. */
    public B offlineBuffer(OfflineBuffer buffer) {
        this.buffer = buffer;
        return self();
    }

    /** Runs the client on this NIO event loop group instead of a thread of its own; the group is not closed. */
    public B eventLoopGroup(EventLoopGroup group) {
        this.group = group;
        return self();
    }

    /** The listener for incoming messages (also settable later with {@link MidgeClient#onMessage}). */
    public B onMessage(MessageListener listener) {
        this.listener = listener;
        return self();
    }

    /** The settings as the client uses them, with the defaults that depend on others filled in. */
    ClientOptions options() {
        String id = clientId != null ? clientId
                : version.isV5() ? "" : "midge-" + UUID.randomUUID().toString().substring(0, 13);
        if (!version.isV5() && id.isEmpty() && !cleanStart) {
            throw new IllegalArgumentException("MQTT 3.1.1 needs a client identifier to keep a session");
        }
        if (authenticator != null && !version.isV5()) {
            throw new IllegalArgumentException("enhanced authentication needs MQTT 5.0");
        }
        if (keepAlive < 0 || keepAlive > 65535) {
            throw new IllegalArgumentException("keep-alive out of range 0-65535: " + keepAlive);
        }
        return new ClientOptions(host, port, version, id, cleanStart, keepAlive, sessionExpiry, username,
                password, will, willDelay, userProperties.build(), receiveMaximum, maximumPacketSize,
                topicAliasMaximum, useTopicAliases, tls, webSocketPath, reconnect, connectTimeout,
                authenticator, resubscribe);
    }

    /** The builder itself, for the setters to return. */
    abstract B self();

    OfflineBuffer buffer() {
        return buffer;
    }

    EventLoopGroup group() {
        return group;
    }

    MessageListener listener() {
        return listener;
    }
}
