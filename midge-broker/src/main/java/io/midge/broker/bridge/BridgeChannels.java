package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.link.ClientFrames;
import io.midge.codec.MqttDecoder;
import io.midge.codec.protocol.MqttVersion;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The pipeline of a bridge's connection: TLS and WebSocket as the bridge's transport says, then the MQTT frames of
 * the bridge's version, a timer for PINGREQ, and the link. The TLS context is made for every attempt, so that a
 * reconnect picks up certificate files renewed meanwhile.
 */
final class BridgeChannels {
    private static final int WEBSOCKET_HANDSHAKE_MILLIS = 10_000;

    private BridgeChannels() {
    }

    /** The client TLS context of a bridge (JDK provider); null for plain transports. */
    static SslContext ssl(BridgeConfig config) throws SSLException {
        if (!config.transport().isSecure()) {
            return null;
        }
        BridgeConfig.Tls tls = config.tls();
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (tls.caFile() != null) {
            b.trustManager(tls.caFile().toFile());
        }
        if (tls.certFile() != null) {
            b.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
        }
        b.endpointIdentificationAlgorithm(tls.verifyHostname() ? "HTTPS" : null);
        return b.build();
    }

    static ChannelInitializer<Channel> initializer(BridgeConfig config, SslContext ssl, BridgeLink link) {
        MqttVersion version = MqttVersion.ofLevel(config.version());
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls", ssl.newHandler(ch.alloc(), config.host(), config.port()));
                }
                if (config.transport().isWebSocket()) {
                    URI uri = URI.create((ssl != null ? "wss" : "ws") + "://" + hostForUri(config.host()) + ":"
                            + config.port() + config.path());
                    p.addLast("http", new HttpClientCodec());
                    p.addLast("http-aggregator", new HttpObjectAggregator(65536));
                    p.addLast("websocket", new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig
                            .newBuilder().webSocketUri(uri).version(WebSocketVersion.V13).subprotocol("mqtt")
                            .customHeaders(new DefaultHttpHeaders())
                            .maxFramePayloadLength(MqttDecoder.MAX_PACKET_SIZE)
                            .handshakeTimeoutMillis(WEBSOCKET_HANDSHAKE_MILLIS).build()));
                    p.addLast("websocket-frames", new ClientFrames.WebSocketBytes());
                }
                p.addLast("mqtt-decoder", new ClientFrames.Decoder(version, "bridge '" + config.name() + "'"));
                if (config.keepAlive() > 0) {
                    // Events after half a keep-alive without writing and half a keep-alive without reading (see
                    // RemoteSilence). Under the encoder, it watches the gathered buffers (above it, it would give
                    // every packet a promise with a listener, and nothing could be gathered).
                    long half = TimeUnit.SECONDS.toMillis(config.keepAlive()) / 2;
                    p.addLast("keep-alive", new IdleStateHandler(half, half, 0, TimeUnit.MILLISECONDS));
                }
                p.addLast("mqtt-encoder", new ClientFrames.Encoder(version));
                p.addLast("bridge", link);
            }
        };
    }

    private static String hostForUri(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
