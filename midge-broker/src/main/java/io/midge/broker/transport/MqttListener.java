package io.midge.broker.transport;

import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.protocol.MqttConnection;
import io.midge.broker.protocol.MqttFrameDecoder;
import io.midge.broker.protocol.PublishThrottle;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener speaking MQTT over its transport: bytes (from TCP, TLS, or WebSocket binary frames over either) to
 * packets, to the connection's protocol handler, and back.
 */
public final class MqttListener {
    private static final Logger log = LoggerFactory.getLogger(MqttListener.class);

    /** WebSocket subprotocols offered: "mqtt" (3.1.1 and 5.0), and "mqttv3.1" that older 3.1 clients ask for. */
    static final String SUBPROTOCOLS = "mqtt,mqttv3.1";
    /** The handshake request is small; a larger one is refused before it takes memory. */
    private static final int MAX_HANDSHAKE_BYTES = 8192;
    /** A frame may carry several small packets (MQTT-6.0.0-2): even with a small max-packet-size, allow this. */
    private static final int MIN_FRAME_BYTES = 65536;
    private static final ReceiveBuffers RECEIVE_BUFFERS = new ReceiveBuffers();

    private final ListenerConfig config;
    private final Channel serverChannel;
    /** The loops the connections run on: a listener that stops closes its connections there. */
    private final EventLoopGroup group;
    private final CertificateWatcher watcher;

    private MqttListener(ListenerConfig config, Channel serverChannel, EventLoopGroup group,
                         CertificateWatcher watcher) {
        this.config = config;
        this.serverChannel = serverChannel;
        this.group = group;
        this.watcher = watcher;
    }

    /**
     * Binds the listener. A certificate or key that cannot be used, or an address that cannot be bound, stops it
     * with a {@link ListenerException} naming the listener and the file or address.
     */
    public static MqttListener bind(ListenerConfig listener, EventLoopGroup group, BrokerContext broker)
            throws InterruptedException {
        ReloadingSslContext tls = null;
        if (listener.transport().isSecure()) {
            tls = ReloadingSslContext.load(listener.name(), listener.tls());
            log.info("Listener '{}': TLS through {}, protocols {}, client certificates {}; certificate {}",
                    listener.name(), TlsContexts.describe(tls.provider()), listener.tls().protocols(),
                    listener.tls().clientAuth().name().toLowerCase(), tls.describeLoaded());
        }
        ReloadingSslContext sslContext = tls;
        ConnectionRateLimiter rateLimiter = broker.limits().limitsRate()
                ? new ConnectionRateLimiter(broker.limits()) : null;
        boolean throttled = PublishThrottle.limits(broker.config());
        ByteCounter bytes = new ByteCounter(broker.metrics());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // No TCP_NODELAY child option: Netty's socket channels set it already as they are made (on Linux), and
                // setting it again cost every connection a system call.
                // One allocator for every connection, each sizing its reads on its own (see ReceiveBuffers).
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        boolean plain = listener.transport().isPlain();
                        if (!plain) {
                            // Socket bytes are TLS records and WebSocket frames: counted before they are unwrapped.
                            p.addLast("bytes", bytes);
                        }
                        if (rateLimiter != null) {
                            // First: a connection over the rate is closed before it costs a TLS handshake.
                            p.addLast("connectionRate", rateLimiter);
                        }
                        if (sslContext != null) {
                            // The context current now: a reloaded certificate applies from the next connection.
                            p.addLast("tls", sslContext.newHandler(ch.alloc()));
                            p.addLast("tls-failures", broker.nodeLinks() ? TlsFailures.LINKS : TlsFailures.INSTANCE);
                        }
                        if (listener.transport().isWebSocket()) {
                            addWebSocket(p, listener, broker.config().protocol().maxPacketSize());
                        }
                        // On plain TCP the codec counts the socket's bytes itself (see ListenerConfig.Transport).
                        MqttFrameDecoder decoder = new MqttFrameDecoder(broker.config().protocol().maxPacketSize(),
                                plain ? broker.metrics().bytesReceived : null);
                        p.addLast("decoder", decoder);
                        if (throttled) {
                            // Holds what was read while PublishThrottle pauses reading, packet by packet.
                            p.addLast("flow", new FlowControlHandler());
                        }
                        p.addLast("mqtt", new MqttConnection(broker, listener, decoder));
                    }
                });
        Channel channel;
        try {
            channel = bootstrap.bind(listener.host(), listener.port()).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ListenerException("listener '" + listener.name() + "': cannot listen on " + listener.host()
                    + ":" + listener.port() + " (" + TlsFiles.describe(e) + ")", e);
        }
        CertificateWatcher watcher = tls == null ? null : new CertificateWatcher(listener.name(), tls);
        return new MqttListener(listener, channel, group, watcher);
    }

    /**
     * HTTP until the upgrade on the listener's path (with subprotocol mqtt), then WebSocket frames whose bytes the
     * MQTT decoder reads. Frames may be as large as the largest packet (a packet may also span several); the
     * decoder still refuses packets above max-packet-size.
     */
    private static void addWebSocket(ChannelPipeline p, ListenerConfig listener, int maxPacketSize) {
        p.addLast("http", new HttpServerCodec());
        p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HANDSHAKE_BYTES));
        p.addLast("websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(listener.path())
                .subprotocols(SUBPROTOCOLS)
                .checkStartsWith(false)
                .maxFramePayloadLength(Math.max(maxPacketSize, MIN_FRAME_BYTES))
                .build()));
        p.addLast("websocket-frames", new WebSocketFrames());
    }

    public ListenerConfig config() {
        return config;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Stops accepting, then closes every connection and waits until they are closed. */
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        serverChannel.close().syncUninterruptibly();
        // No ChannelGroup (a map entry and a close listener at every connect): each loop knows its connections.
        MqttConnection.closeAll(group, config).join();
    }
}
