package io.midge.broker.transport;

import io.midge.broker.BrokerContext;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.protocol.MqttConnection;
import io.midge.broker.protocol.MqttFrameDecoder;
import io.midge.broker.protocol.MqttPacketEncoder;
import io.midge.broker.protocol.PublishThrottle;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/** A listener speaking MQTT: bytes to packets to the connection's protocol handler and back. */
public final class MqttListener {
    private final ListenerConfig config;
    private final Channel serverChannel;
    private final ChannelGroup connections;

    private MqttListener(ListenerConfig config, Channel serverChannel, ChannelGroup connections) {
        this.config = config;
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    public static MqttListener bind(ListenerConfig listener, EventLoopGroup group, BrokerContext broker)
            throws InterruptedException {
        if (listener.transport() != ListenerConfig.Transport.TCP) {
            throw new IllegalArgumentException("listener '" + listener.name() + "': transport "
                    + listener.transport().configName() + " is not supported yet");
        }
        ChannelGroup connections = new DefaultChannelGroup("mqtt-connections", GlobalEventExecutor.INSTANCE);
        ConnectionRateLimiter rateLimiter = broker.limits().limitsRate()
                ? new ConnectionRateLimiter(broker.limits()) : null;
        boolean throttled = PublishThrottle.limits(broker.config());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        MqttFrameDecoder decoder = new MqttFrameDecoder(broker.config().maxPacketSize());
                        MqttPacketEncoder encoder = new MqttPacketEncoder();
                        if (rateLimiter != null) {
                            ch.pipeline().addLast("connectionRate", rateLimiter);
                        }
                        ch.pipeline().addLast("decoder", decoder);
                        ch.pipeline().addLast("encoder", encoder);
                        if (throttled) {
                            // Holds what was read while PublishThrottle pauses reading, packet by packet.
                            ch.pipeline().addLast("flow", new FlowControlHandler());
                        }
                        ch.pipeline().addLast("mqtt", new MqttConnection(broker, listener, encoder, decoder));
                    }
                });
        Channel channel = bootstrap.bind(listener.host(), listener.port()).sync().channel();
        return new MqttListener(listener, channel, connections);
    }

    public ListenerConfig config() {
        return config;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting, then closes every connection and waits until they are closed. */
    public void close() {
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
    }
}
