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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
    private final Connector connector;
    private BlockingClient blocking;

    private MidgeClient(Builder b) {
        this.options = b.options();
        this.ownGroup = b.group() == null;
        this.group = ownGroup
                ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("midge-client", true),
                NioIoHandler.newFactory())
                : b.group();
        this.loop = group.next();
        this.buffer = b.buffer() != null ? b.buffer() : OfflineBuffer.inMemory(10_000);
        this.session = new ClientSession(buffer, loop);
        this.connector = new Connector(options, loop, session);
        session.inbound().listener(b.listener());
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
            loop.execute(() -> session.publishes().recovered(left));
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
        return connector.connect();
    }

    /** Whether a connection is established right now. */
    public boolean isConnected() {
        return connector.isConnected();
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
        return connector.disconnect(reasonCode, properties);
    }

    /**
     * Starts an MQTT 5.0 re-authentication with the builder's {@link EnhancedAuthenticator}; completes when the broker
     * answers AUTH 0x00 (a refusal ends the connection).
     */
    public CompletableFuture<Void> reauthenticate() {
        if (options.authenticator() == null || !options.version().isV5()) {
            return CompletableFuture.failedFuture(new MqttClientException(MqttClientException.Kind.UNSUPPORTED,
                    "re-authentication needs MQTT 5.0 and an enhanced authenticator"));
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        loop.execute(() -> session.reauthenticate(future));
        return future;
    }

    /** Adds a listener for connections coming and going. */
    public void addConnectionListener(ConnectionListener listener) {
        connector.addListener(listener);
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
        if (connector.isClosed()) {
            return CompletableFuture.failedFuture(Connector.clientClosed());
        }
        return session.publishes().publish(message);
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
        session.inbound().listener(listener);
    }

    /**
     * The incoming messages as a {@link Flow.Publisher}, with backpressure: while a subscriber has messages waiting
     * for its {@code request(n)}, the client stops reading from the socket. Each subscriber receives the messages
     * that arrive after it subscribed; {@code onComplete} comes when the client is closed.
     */
    public Flow.Publisher<IncomingMessage> messages() {
        return session.inbound().stream();
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
        if (connector.isClosed()) {
            return;
        }
        connector.close();
        try {
            disconnect().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect on close failed", e);
        }
        try {
            loop.submit(() -> session.publishes().failAll(Connector.clientClosed())).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "cleanup on close failed", e);
        }
        session.inbound().stream().complete();
        buffer.close();
        if (ownGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Builds a {@link MidgeClient}. Every setting has a default; {@link #build()} makes the client, which connects
     * only when told to.
     */
    public static final class Builder extends ClientSettingsBuilder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
            return this;
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
