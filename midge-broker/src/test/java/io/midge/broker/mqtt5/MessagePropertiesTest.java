package io.midge.broker.mqtt5;

import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.broker.mqtt5.RawV5.text;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.PubRec;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The application properties of a PUBLISH (MQTT 5.0 section 3.3.2.3) reach subscribers as published, and a payload
 * that says it is UTF-8 must be.
 */
class MessagePropertiesTest {
    private static final byte[] NOT_UTF8 = {'o', 'k', (byte) 0xC3, (byte) 0x28}; // 0xC3 needs a continuation byte

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    @Test
    @DisplayName("MQTT-3.3.2-4/15/16/17/18/20: user properties (in order), content type, payload format, "
            + "response topic and correlation data are forwarded unaltered")
    void applicationPropertiesAreForwardedUnaltered() throws Exception {
        MqttProperties sent = MqttProperties.builder()
                .add(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .add(PropertyId.CONTENT_TYPE, "application/json")
                .add(PropertyId.RESPONSE_TOPIC, "props/1/replies/client-7")
                .add(PropertyId.CORRELATION_DATA, Binary.of(new byte[] {0, 1, 2, (byte) 0xFF}))
                .userProperty("unit", "celsius")
                .userProperty("sensor", "kitchen")
                .userProperty("unit", "kelvin") // the same name again: both kept, in order
                .build();
        try (RawClient sub = RawV5.connect(broker.port(), "props-sub-1");
             RawClient pub = RawV5.connect(broker.port(), "props-pub-1")) {
            RawV5.subscribe(sub, "props/1/#", 1);
            pub.send(publish("props/1/temp", 1, 1, sent, "{\"t\":21.5}"));
            pub.receive(PubAck.class);

            Publish delivered = sub.receive(Publish.class);
            assertThat(text(delivered)).isEqualTo("{\"t\":21.5}");
            assertThat(delivered.properties()).isEqualTo(sent);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-15/16/17/20: Paho to Paho, every property arrives as it was set")
    void pahoToPahoKeepsEveryProperty() throws Exception {
        List<MqttMessage> received = new CopyOnWriteArrayList<>();
        MqttClient sub = new MqttClient(broker.uri(), "props-paho-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.uri(), "props-paho-pub", new MemoryPersistence());
        try {
            sub.setCallback(new PahoInbox((topic, message) -> received.add(message)));
            sub.connect(new MqttConnectionOptions());
            sub.subscribe("props/2/#", 2);
            pub.connect(new MqttConnectionOptions());
            org.eclipse.paho.mqttv5.common.packet.MqttProperties p =
                    new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
            p.setUserProperties(List.of(new UserProperty("a", "1"), new UserProperty("b", "2"),
                    new UserProperty("a", "3")));
            p.setContentType("text/plain; charset=utf-8");
            p.setPayloadFormat(true);
            p.setResponseTopic("props/2/reply");
            p.setCorrelationData("req-42".getBytes(StandardCharsets.UTF_8));
            pub.publish("props/2/request", new MqttMessage("héllo".getBytes(StandardCharsets.UTF_8), 2, false, p));

            await().until(() -> received.size() == 1);
            org.eclipse.paho.mqttv5.common.packet.MqttProperties got = received.get(0).getProperties();
            assertThat(got.getUserProperties()).containsExactly(new UserProperty("a", "1"),
                    new UserProperty("b", "2"), new UserProperty("a", "3"));
            assertThat(got.getContentType()).isEqualTo("text/plain; charset=utf-8");
            assertThat(got.getPayloadFormat()).isTrue();
            assertThat(got.getResponseTopic()).isEqualTo("props/2/reply");
            assertThat(got.getCorrelationData()).isEqualTo("req-42".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(received.get(0).getPayload(), StandardCharsets.UTF_8)).isEqualTo("héllo");
        } finally {
            PahoInbox.close(pub, sub);
        }
    }

    @Test
    @DisplayName("§3.3.2.3.2: a QoS 1 payload marked UTF-8 that is not gets PUBACK 0x99 and is not delivered")
    void invalidUtf8AtQos1GetsPubAck0x99() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "pfi-sub-1");
             RawClient pub = RawV5.connect(broker.port(), "pfi-pub-1")) {
            RawV5.subscribe(sub, "pfi/1", 1);
            pub.send(publish("pfi/1", 1, 1, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), NOT_UTF8));
            PubAck ack = pub.receive(PubAck.class);
            assertThat(ack.packetId()).isEqualTo(1);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
            // The publisher stays connected and may go on.
            pub.send(publish("pfi/1", 1, 2, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), "valid"));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(text(sub.receive(Publish.class))).isEqualTo("valid");
            assertThat(sub.poll(RawClient.QUIET)).isNull();
        }
    }

    @Test
    @DisplayName("§3.3.2.3.2: at QoS 2 it gets PUBREC 0x99; at QoS 0 DISCONNECT 0x99")
    void invalidUtf8AtQos2AndQos0() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "pfi-pub-2")) {
            pub.send(publish("pfi/2", 2, 1, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), NOT_UTF8));
            assertThat(pub.receive(PubRec.class).reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
            pub.send(publish("pfi/2", 0, 0, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), NOT_UTF8));
            assertThat(RawV5.awaitDisconnect(pub).reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
        }
    }

    @Test
    @DisplayName("§3.3.2.3.2: without the indicator (or with 0) any bytes are a valid payload")
    void unspecifiedBytesAreNotChecked() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "pfi-sub-3");
             RawClient pub = RawV5.connect(broker.port(), "pfi-pub-3")) {
            RawV5.subscribe(sub, "pfi/3", 1);
            pub.send(publish("pfi/3", 1, 1, MqttProperties.EMPTY, NOT_UTF8));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            pub.send(publish("pfi/3", 1, 2, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0), NOT_UTF8));
            assertThat(pub.receive(PubAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(ByteBufUtil.getBytes(sub.receive(Publish.class).payload())).isEqualTo(NOT_UTF8);
            assertThat(ByteBufUtil.getBytes(sub.receive(Publish.class).payload())).isEqualTo(NOT_UTF8);
        }
    }
}
