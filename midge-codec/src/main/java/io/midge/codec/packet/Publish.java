package io.midge.codec.packet;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.PacketType;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * PUBLISH. The payload is a reference-counted buffer, as decoded a retained slice of the bytes read, never a copy;
 * the packet's reference count is its payload's, so whoever ends up holding a Publish releases it once.
 * {@code packetId} is 0 for QoS 0. The RETAIN flag is {@code retainFlag}, as {@code retain()} is reference
 * counting. The topic may be empty in 5.0 when a Topic Alias property names it.
 */
public record Publish(String topic, int qos, boolean retainFlag, boolean dup, int packetId, MqttProperties properties,
                      ByteBuf payload) implements MqttPacket, ReferenceCounted {
    public Publish {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(payload, "payload");
        Packets.checkQos(qos);
        if (qos == 0 ? packetId != 0 : (packetId < 1 || packetId > 0xFFFF)) {
            throw new IllegalArgumentException("packet identifier " + packetId + " does not fit QoS " + qos);
        }
        if (qos == 0 && dup) {
            throw new IllegalArgumentException("DUP is never set on QoS 0");
        }
    }

    @Override
    public PacketType type() {
        return PacketType.PUBLISH;
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Publish retain() {
        payload.retain();
        return this;
    }

    @Override
    public Publish retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public Publish touch() {
        payload.touch();
        return this;
    }

    @Override
    public Publish touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }

    @Override
    public String toString() {
        return "Publish[topic=" + topic + ", qos=" + qos + ", retain=" + retainFlag + ", dup=" + dup + ", packetId="
                + packetId + ", properties=" + properties + ", payload=" + payload.readableBytes() + " bytes]";
    }
}
