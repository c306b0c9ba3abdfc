package io.midge.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PUBLISH packets the client writes, decoded as a broker decodes them. */
class PublishWriterTest {
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final MqttDecoder broker = MqttDecoder.forServer(MqttDecoder.MAX_PACKET_SIZE);

    @BeforeEach
    void connect() {
        ByteBuf connect = MqttEncoder.encode(alloc, new Connect(MqttVersion.MQTT_5, "c", true, 60, null, null, null,
                MqttProperties.EMPTY), MqttVersion.MQTT_5);
        try {
            broker.decode(connect);
        } finally {
            connect.release();
        }
    }

    @Test
    void aliasesGoFirstComeFirstServedUpToTheBrokersMaximumThenTopicsGoInFull() {
        PublishWriter writer = new PublishWriter(MqttVersion.MQTT_5, 2, 0);
        assertSent(writer, "a", "a", 1);
        assertSent(writer, "b", "b", 2);
        assertSent(writer, "c", "c", 0);
        assertSent(writer, "a", "", 1);
        assertSent(writer, "b", "", 2);
        assertSent(writer, "c", "c", 0);
    }

    @Test
    void withoutAliasesEveryPublishCarriesItsTopic() {
        PublishWriter writer = new PublishWriter(MqttVersion.MQTT_5, 0, 0);
        assertSent(writer, "a", "a", 0);
        assertSent(writer, "a", "a", 0);
    }

    @Test
    void aPublishOverTheBrokersMaximumIsNotEncodedAndLeavesItsAliasToTheNextTopic() {
        PublishWriter writer = new PublishWriter(MqttVersion.MQTT_5, 5, 200);
        assertThat(writer.encode(alloc, OutgoingMessage.of("too/big", new byte[300], 1), 1, false)).isNull();
        assertSent(writer, "small", "small", 1);
        // the topic refused before never got an alias: it carries its name again, with the next alias
        assertSent(writer, "too/big", "too/big", 2);
    }

    private void assertSent(PublishWriter writer, String topic, String expectedTopic, int expectedAlias) {
        ByteBuf encoded = writer.encode(alloc, OutgoingMessage.of(topic, new byte[10], 1), 7, false);
        assertThat(encoded).isNotNull();
        Publish publish;
        try {
            publish = (Publish) broker.decode(encoded);
        } finally {
            encoded.release();
        }
        try {
            assertThat(publish.topic()).isEqualTo(expectedTopic);
            assertThat(publish.properties().number(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(expectedAlias);
            assertThat(publish.packetId()).isEqualTo(7);
        } finally {
            publish.release();
        }
    }
}
