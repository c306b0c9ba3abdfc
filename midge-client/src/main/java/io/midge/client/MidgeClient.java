package io.midge.client;

import io.midge.codec.MqttDecoder;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * An asynchronous MQTT 3.1.1 and 5.0 client over TCP, TLS or WebSocket.
 *
 * <pre>{@code
 * MidgeClient client = MidgeClient.builder().host("broker.local").port(1883).clientId("meter-7").build();
 * client.onMessage(m -> System.out.println(m.topic() + " " + m.payloadAsString()));
 * client.connect().join();
 * client.subscribe("ward3/+/heartrate", 1).join();
 * client.publish(OutgoingMessage.of("ward3/bed12/heartrate", "72", 1)).join();
 * client.close();
 * }</pre>
 *
 * <p>Every operation returns a {@link CompletableFuture} and may be called from any thread; the client does its
 * work on one Netty event loop (its own, or one of a group given to the builder), which also runs the futures'
 * dependent actions that are not async, the {@link MessageListener} and the {@link ConnectionListener}s: do not
 * block in them.
 *
 * <p>Publishes may be made at any time, connected or not: they wait in the {@link OfflineBuffer} (bounded; a
 * publish over its capacity fails at once) until a connection takes them and the broker's Receive Maximum allows.
 * A connection that ends is re-established by the {@link ReconnectPolicy}; a resumed session gets its in-flight
 * publishes again (marked DUP), a new session gets them as new publishes and the client's subscriptions again.
 */
public final class MidgeClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MidgeClient.class.getName());

    private final ClientOptions options;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final EventLoop loop;
    private final OfflineBuffer buffer;
    private final ClientSession session;
    private final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final ClientConnection.Events events = new ConnectionEvents();

    // Confined to the loop (current is also read by isConnected()).
    private volatile ClientConnection current;
    private ConnectResult established;
    private boolean wantConnection;
    private boolean everConnected;
    private int attempt;
    private ScheduledFuture<?> reconnectTask;
    private final List<CompletableFuture<ConnectResult>> connectWaiters = new ArrayList<>();
    private final List<CompletableFuture<Void>> disconnectWaiters = new ArrayList<>();

    private volatile boolean closed;
    private BlockingClient blocking;

    private MidgeClient(Builder b) {
        this.options = b.options();
        this.ownGroup = b.group == null;
        this.group = ownGroup
                ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("midge-client", true),
                NioIoHandler.newFactory())
                : b.group;
        this.loop = group.next();
        this.buffer = b.buffer != null ? b.buffer : OfflineBuffer.inMemory(10_000);
        this.session = new ClientSession(buffer, loop);
        if (b.listener != null) {
            session.listener(b.listener);
        }
        List<OfflineBuffer.Stored> left;
        try {
            left = buffer.recover();
        } catch (IOException e) {
            if (ownGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
            throw new UncheckedIOException("cannot read the offline buffer", e);
        }
        if (!left.isEmpty()) {
            loop.execute(() -> session.recovered(left));
        }
    }

    /** A builder for a client of {@code 127.0.0.1:1883}, MQTT 5.0, clean start, 60 s keep-alive. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- connection ------------------------------------------------------------------------------------------

    /**
     * Connects, unless connected already. The future completes with the broker's CONNACK; it fails with
     * {@link MqttClientException} when the broker refuses (its reason code), TLS fails, or the broker cannot be
     * reached and the reconnect policy does not try again. While the policy retries, the future waits: bound it with
     * {@link CompletableFuture#orTimeout}.
     */
    public CompletableFuture<ConnectResult> connect() {
        CompletableFuture<ConnectResult> future = new CompletableFuture<>();
        if (closed) {
            return CompletableFuture.failedFuture(new MqttClientException("client closed"));
        }
        loop.execute(() -> {
            if (established != null) {
                future.complete(established);
                return;
            }
            connectWaiters.add(future);
            wantConnection = true;
            if (current == null && reconnectTask == null) {
                attempt();
            }
        });
        return future;
    }

    /** Whether a connection is established right now. */
    public boolean isConnected() {
        ClientConnection c = current;
        return c != null && c.isConnected();
    }

    /**
     * Sends DISCONNECT (normal disconnection) and closes the connection; the client stays usable and
     * {@link #connect()} connects again. Publishes still waiting stay in the buffer.
     */
    public CompletableFuture<Void> disconnect() {
        return disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY);
    }

    /**
     * Sends DISCONNECT with this reason code and properties (MQTT 5.0: e.g. DISCONNECT_WITH_WILL_MESSAGE, or a
     * Session Expiry Interval) and closes the connection.
     */
    public CompletableFuture<Void> disconnect(ReasonCode reasonCode, MqttProperties properties) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        loop.execute(() -> {
            wantConnection = false;
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
                reconnectTask = null;
            }
            failConnectWaiters(new MqttClientException("disconnect requested"));
            if (current == null) {
                future.complete(null);
                return;
            }
            disconnectWaiters.add(future);
            current.disconnect(reasonCode, options.version().isV5() ? properties : MqttProperties.EMPTY);
        });
        return future;
    }

    /**
     * Starts an MQTT 5.0 re-authentication with the builder's {@link EnhancedAuthenticator}; completes when the broker
     * answers AUTH 0x00 (a refusal ends the connection).
     */
    public CompletableFuture<Void> reauthenticate() {
        if (options.authenticator() == null || !options.version().isV5()) {
            return CompletableFuture.failedFuture(
                    new MqttClientException("re-authentication needs MQTT 5.0 and an enhanced authenticator"));
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        loop.execute(() -> {
            if (current == null || !current.isConnected()) {
                future.completeExceptionally(new MqttClientException("not connected"));
                return;
            }
            session.reauthenticating(future);
            current.reauthenticate();
        });
        return future;
    }

    /** Adds a listener for connections coming and going. */
    public void addConnectionListener(ConnectionListener listener) {
        connectionListeners.add(Objects.requireNonNull(listener));
    }

    // ---- publish ---------------------------------------------------------------------------------------------

    /**
     * Publishes a message. The future completes when the flow is done: QoS 0 once written to the network, QoS 1 at
     * PUBACK, QoS 2 at PUBCOMP. It fails with {@link MqttClientException} when the broker refuses (the code of its
     * PUBACK/PUBREC), when the packet exceeds the broker's Maximum Packet Size, when the offline buffer is full, or
     * when the client is closed or gives up reconnecting first. A durable buffer has a QoS 1/2 message on disk
     * before this method returns.
     */
    public CompletableFuture<PublishResult> publish(OutgoingMessage message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new MqttClientException("client closed"));
        }
        if (!session.reserve()) {
            return CompletableFuture.failedFuture(new MqttClientException(
                    "offline buffer full: " + buffer.capacity() + " publishes wait already"));
        }
        long storeId = 0;
        if (message.qos() > 0) {
            try {
                storeId = buffer.store(message);
            } catch (IOException | RuntimeException e) {
                session.unreserve();
                return CompletableFuture.failedFuture(new MqttClientException("cannot store the message: " + e, e));
            }
        }
        CompletableFuture<PublishResult> future = new CompletableFuture<>();
        session.submit(new ClientSession.OutgoingPublish(message, future, storeId));
        return future;
    }

    /** Publishes a message without properties, not retained. */
    public CompletableFuture<PublishResult> publish(String topic, byte[] payload, int qos) {
        return publish(OutgoingMessage.of(topic, payload, qos));
    }

    // ---- subscribe -------------------------------------------------------------------------------------------

    /**
     * Subscribes to topic filters (with their options: QoS, No Local, Retain As Published, Retain Handling) in one
     * SUBSCRIBE. Needs a connection; the subscriptions granted are made again on a new session after a reconnect.
     *
     * @param properties MQTT 5.0 SUBSCRIBE properties (Subscription Identifier, User Properties), or EMPTY
     */
    public CompletableFuture<SubscribeResult> subscribe(List<Subscription> subscriptions, MqttProperties properties) {
        if (subscriptions.isEmpty()) {
            throw new IllegalArgumentException("nothing to subscribe to");
        }
        CompletableFuture<Object> future = new CompletableFuture<>();
        loop.execute(() -> session.subscribe(List.copyOf(subscriptions), properties, future));
        return future.thenApply(SubscribeResult.class::cast);
    }

    /** Subscribes to one topic filter with the default options. */
    public CompletableFuture<SubscribeResult> subscribe(String topicFilter, int qos) {
        return subscribe(List.of(new Subscription(topicFilter, qos)), MqttProperties.EMPTY);
    }

    /** Unsubscribes from topic filters in one UNSUBSCRIBE. */
    public CompletableFuture<UnsubscribeResult> unsubscribe(List<String> topicFilters, MqttProperties properties) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        loop.execute(() -> session.unsubscribe(List.copyOf(topicFilters), properties, future));
        return future.thenApply(UnsubscribeResult.class::cast);
    }

    /** Unsubscribes from topic filters. */
    public CompletableFuture<UnsubscribeResult> unsubscribe(String... topicFilters) {
        return unsubscribe(Arrays.asList(topicFilters), MqttProperties.EMPTY);
    }

    // ---- incoming messages -----------------------------------------------------------------------------------

    /** Sets the listener that receives every incoming message (replacing any earlier one; null removes it). */
    public void onMessage(MessageListener listener) {
        session.listener(listener);
    }

    /**
     * The incoming messages as a {@link Flow.Publisher}, with backpressure: while a subscriber has messages waiting
     * for its {@code request(n)}, the client stops reading from the socket. Each subscriber receives the messages
     * that arrive after it subscribed; {@code onComplete} comes when the client is closed.
     */
    public Flow.Publisher<IncomingMessage> messages() {
        return session.stream();
    }

    /** The blocking view of this client, for scripts and tests (made on first use, then the same one). */
    public synchronized BlockingClient blocking() {
        if (blocking == null) {
            blocking = new BlockingClient(this);
        }
        return blocking;
    }

    /** The protocol version this client speaks. */
    public MqttVersion version() {
        return options.version();
    }

    /** The client identifier of the builder (empty when the broker assigns one; see {@link ConnectResult}). */
    public String clientId() {
        return options.clientId();
    }

    /**
     * Disconnects (when connected), fails the publishes still held in memory (a durable buffer keeps its QoS 1/2
     * messages for the next client), completes {@link #messages()} and stops the client's own event loop. Waits up
     * to a few seconds, so it must not be called on the client's event loop (from a listener or a future's
     * dependent action): use {@link #disconnect()} there.
     *
     * @throws IllegalStateException when called on the client's event loop
     */
    @Override
    public void close() {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("close() waits for the client's event loop; do not call it from there");
        }
        if (closed) {
            return;
        }
        closed = true;
        try {
            disconnect().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect on close failed", e);
        }
        try {
            loop.submit(() -> session.failAll(new MqttClientException("client closed"))).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "cleanup on close failed", e);
        }
        session.stream().complete();
        buffer.close();
        if (ownGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    // ---- internals (loop) ------------------------------------------------------------------------------------

    private void attempt() {
        boolean cleanStart = everConnected ? !options.sessionOutlivesConnection() : options.cleanStart();
        ClientConnection conn = new ClientConnection(options, session, events, cleanStart);
        current = conn;
        SslContext ssl;
        try {
            ssl = options.tls() == null ? null : options.tls().sslContext();
        } catch (SSLException | RuntimeException e) {
            events.closed(conn, new MqttClientException("bad TLS settings: " + e.getMessage(), e), false);
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc(), options.host(), options.port()));
                        }
                        if (options.webSocketPath() != null) {
                            String scheme = ssl != null ? "wss" : "ws";
                            URI uri = URI.create(scheme + "://" + options.host() + ":" + options.port()
                                    + options.webSocketPath());
                            p.addLast("http", new HttpClientCodec());
                            p.addLast("http-aggregator", new HttpObjectAggregator(65536));
                            p.addLast("websocket", new WebSocketClientProtocolHandler(
                                    WebSocketClientProtocolConfig.newBuilder()
                                            .webSocketUri(uri)
                                            .version(WebSocketVersion.V13)
                                            .subprotocol("mqtt")
                                            .customHeaders(new DefaultHttpHeaders())
                                            .maxFramePayloadLength(MqttDecoder.MAX_PACKET_SIZE)
                                            .handshakeTimeoutMillis(options.connectTimeout().toMillis())
                                            .build()));
                            p.addLast("websocket-frames", new WebSocketFrames());
                        }
                        int max = options.maximumPacketSize() > 0 ? options.maximumPacketSize()
                                : MqttDecoder.MAX_PACKET_SIZE;
                        p.addLast("mqtt-decoder",
                                new ClientFrameDecoder(MqttDecoder.forClient(options.version(), max)));
                        p.addLast("mqtt", conn);
                    }
                });
        bootstrap.connect(options.host(), options.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Throwable c = f.cause();
                events.closed(conn, new MqttClientException("cannot connect to " + options.host() + ":"
                        + options.port() + ": " + (c.getMessage() == null ? c : c.getMessage()), c), false);
            }
        });
    }

    private void failConnectWaiters(Throwable cause) {
        List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(w -> w.completeExceptionally(cause));
    }

    /** Failures a new attempt will not cure: the broker refused these credentials, or TLS failed. */
    private static boolean permanent(Throwable cause) {
        if (cause instanceof MqttClientException e) {
            ReasonCode code = e.reasonCode();
            if (code != null && e.getMessage().startsWith("connection refused")) {
                return switch (code) {
                    case SERVER_UNAVAILABLE, SERVER_BUSY, QUOTA_EXCEEDED, CONNECTION_RATE_EXCEEDED -> false;
                    default -> true;
                };
            }
            return e.getMessage().startsWith("TLS handshake failed") || e.getMessage().startsWith("bad TLS");
        }
        return false;
    }

    private final class ConnectionEvents implements ClientConnection.Events {
        @Override
        public void connected(ClientConnection connection, ConnectResult result) {
            if (connection != current || closed && !wantConnection) {
                connection.disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY);
                return;
            }
            everConnected = true;
            attempt = 0;
            established = result;
            session.connected(connection, result, options.resubscribe());
            List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
            connectWaiters.clear();
            waiters.forEach(w -> w.complete(result));
            for (ConnectionListener l : connectionListeners) {
                try {
                    l.connected(result);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a connection listener threw", e);
                }
            }
        }

        @Override
        public void closed(ClientConnection connection, Throwable cause, boolean wasConnected) {
            if (connection != current) {
                return;
            }
            current = null;
            established = null;
            session.disconnected(cause);
            if (wasConnected) {
                for (ConnectionListener l : connectionListeners) {
                    try {
                        l.disconnected(cause);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "a connection listener threw", e);
                    }
                }
            }
            if (closed || !wantConnection) {
                List<CompletableFuture<Void>> waiters = new ArrayList<>(disconnectWaiters);
                disconnectWaiters.clear();
                waiters.forEach(w -> w.complete(null));
                failConnectWaiters(cause);
                return;
            }
            if (options.reconnect().enabled() && !permanent(cause)) {
                Duration delay = options.reconnect().delay(attempt++);
                reconnectTask = loop.schedule(() -> {
                    reconnectTask = null;
                    if (wantConnection && current == null && !closed) {
                        attempt();
                    }
                }, delay.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                wantConnection = false;
                failConnectWaiters(cause);
                session.failAll(cause);
            }
        }
    }

    /**
     * Builds a {@link MidgeClient}. Every setting has a default; {@link #build()} makes the client, which connects
     * only when told to.
     */
    public static final class Builder {
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

        private Builder() {
        }

        /** The broker's host name or address (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** The broker's port (default 1883). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** MQTT_5 (default) or MQTT_3_1_1. */
        public Builder version(MqttVersion version) {
            if (version == MqttVersion.MQTT_3_1) {
                throw new IllegalArgumentException("the client speaks MQTT 3.1.1 and 5.0");
            }
            this.version = Objects.requireNonNull(version);
            return this;
        }

        /**
         * The client identifier. Default: with 5.0 empty (the broker assigns one), with 3.1.1 a random
         * {@code midge-...} one.
         */
        public Builder clientId(String clientId) {
            this.clientId = Objects.requireNonNull(clientId);
            return this;
        }

        /** Clean Start (5.0) / Clean Session (3.1.1) of the first connection (default true). */
        public Builder cleanStart(boolean cleanStart) {
            this.cleanStart = cleanStart;
            return this;
        }

        /** The keep-alive in seconds (default 60; 0 turns it off). */
        public Builder keepAlive(int seconds) {
            this.keepAlive = seconds;
            return this;
        }

        /** MQTT 5.0: the Session Expiry Interval in seconds (default 0: the session ends with the connection). */
        public Builder sessionExpiryInterval(long seconds) {
            this.sessionExpiry = seconds;
            return this;
        }

        /** User name and password (either may be null). */
        public Builder credentials(String username, byte[] password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /** User name and a UTF-8 password. */
        public Builder credentials(String username, String password) {
            return credentials(username, password == null ? null : password.getBytes(StandardCharsets.UTF_8));
        }

        /** The will message, and (MQTT 5.0) its Will Delay Interval in seconds. */
        public Builder will(OutgoingMessage will, long delaySeconds) {
            this.will = will;
            this.willDelay = delaySeconds;
            return this;
        }

        /** MQTT 5.0: a User Property on CONNECT. */
        public Builder connectUserProperty(String name, String value) {
            userProperties.userProperty(name, value);
            return this;
        }

        /** MQTT 5.0: QoS 1/2 messages the broker may have unacknowledged towards this client (default 65535). */
        public Builder receiveMaximum(int receiveMaximum) {
            this.receiveMaximum = receiveMaximum;
            return this;
        }

        /** The largest packet the client accepts (default: no limit beyond MQTT's); sent with 5.0. */
        public Builder maximumPacketSize(int bytes) {
            this.maximumPacketSize = bytes;
            return this;
        }

        /** MQTT 5.0: the topic aliases the broker may use towards this client (default 0). */
        public Builder topicAliasMaximum(int maximum) {
            this.topicAliasMaximum = maximum;
            return this;
        }

        /** MQTT 5.0: whether the client uses topic aliases, up to the broker's maximum (default true). */
        public Builder useTopicAliases(boolean use) {
            this.useTopicAliases = use;
            return this;
        }

        /** Speaks TLS with these settings. */
        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        /** Speaks MQTT over WebSocket (subprotocol {@code mqtt}) at this path, e.g. {@code /mqtt}. */
        public Builder webSocket(String path) {
            this.webSocketPath = path.startsWith("/") ? path : "/" + path;
            return this;
        }

        /** When to reconnect (default {@link ReconnectPolicy#defaults()}). */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = Objects.requireNonNull(policy);
            return this;
        }

        /** How long a connection attempt may take, up to CONNACK (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** MQTT 5.0: enhanced authentication with this method. */
        public Builder enhancedAuthentication(EnhancedAuthenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** Whether a new session after a reconnect gets the client's subscriptions again (default true). */
        public Builder resubscribe(boolean resubscribe) {
            this.resubscribe = resubscribe;
            return this;
        }

        /** Where waiting publishes are kept (default {@code OfflineBuffer.inMemory(10_000)}); closed with the client. */
        public Builder offlineBuffer(OfflineBuffer buffer) {
            this.buffer = buffer;
            return this;
        }

        /** Runs the client on this NIO event loop group instead of a thread of its own; the group is not closed. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** The listener for incoming messages (also settable later with {@link MidgeClient#onMessage}). */
        public Builder onMessage(MessageListener listener) {
            this.listener = listener;
            return this;
        }

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

        /**
         * The client; reads what a durable offline buffer holds from an earlier client.
         *
         * @throws UncheckedIOException when that buffer cannot be read
         */
        public MidgeClient build() {
            return new MidgeClient(this);
        }
    }
}
