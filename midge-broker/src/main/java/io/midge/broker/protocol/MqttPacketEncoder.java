package io.midge.broker.protocol;

import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Encodes outbound packets in the connection's protocol version. A written PUBLISH hands its payload reference
 * over: the encoder releases it once the bytes (which share a large payload) are in the outbound buffer.
 */
public final class MqttPacketEncoder extends ChannelOutboundHandlerAdapter {
    private MqttVersion version = MqttVersion.MQTT_3_1_1;

    /** Set once CONNECT tells the version; before that, refusals go out in the 3.1.1 form. */
    public void setVersion(MqttVersion version) {
        this.version = version;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof MqttPacket packet) {
            ByteBuf encoded;
            try {
                encoded = MqttEncoder.encode(ctx.alloc(), packet, version);
            } finally {
                if (packet instanceof Publish publish) {
                    publish.release();
                }
            }
            ctx.write(encoded, promise);
        } else {
            ctx.write(msg, promise);
        }
    }
}
