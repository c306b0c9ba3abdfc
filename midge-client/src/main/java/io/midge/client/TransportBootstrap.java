package io.midge.client;

import io.midge.codec.MqttDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import javax.net.ssl.SSLException;

/**
 * Opens the network connection for a {@link ClientConnection}: TCP, then TLS and WebSocket as the settings say, then
 * the MQTT decoder, with the connection as the last handler. The TLS context is made for every attempt, so that a
 * reconnect picks up certificate files renewed meanwhile.
 */
final class TransportBootstrap {
    private final ClientOptions options;
    private final EventLoop loop;

    TransportBootstrap(ClientOptions options, EventLoop loop) {
        this.options = options;
        this.loop = loop;
    }

    /** Starts connecting; a failure to reach the broker or to set TLS up is reported as the connection's close. */
    void open(ClientConnection conn, ClientConnection.Events events) {
        SslContext ssl;
        try {
            ssl = options.tls() == null ? null : options.tls().sslContext();
        } catch (SSLException | RuntimeException e) {
            events.closed(conn, new MqttClientException(MqttClientException.Kind.TLS,
                    "bad TLS settings: " + e.getMessage(), e), false);
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
                        pipeline(ch, ssl, conn);
                    }
                });
        bootstrap.connect(options.host(), options.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Throwable c = f.cause();
                events.closed(conn, new MqttClientException(MqttClientException.Kind.UNREACHABLE,
                        "cannot connect to " + options.host() + ":" + options.port() + ": "
                                + (c.getMessage() == null ? c : c.getMessage()), c), false);
            }
        });
    }

    private void pipeline(Channel ch, SslContext ssl, ClientConnection conn) {
        ChannelPipeline p = ch.pipeline();
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc(), options.host(), options.port()));
        }
        if (options.webSocketPath() != null) {
            URI uri = URI.create((ssl != null ? "wss" : "ws") + "://" + options.host() + ":" + options.port()
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
        int max = options.maximumPacketSize() > 0 ? options.maximumPacketSize() : MqttDecoder.MAX_PACKET_SIZE;
        p.addLast("mqtt-decoder", new ClientFrameDecoder(MqttDecoder.forClient(options.version(), max)));
        p.addLast("mqtt", conn);
    }
}
