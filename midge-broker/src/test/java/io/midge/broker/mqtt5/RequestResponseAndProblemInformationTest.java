package io.midge.broker.mqtt5;

import static io.midge.broker.config.ConfigKeys.TOPIC_ALIAS_MAXIMUM;
import static io.midge.broker.mqtt5.RawV5.props;
import static io.midge.testkit.TestPackets.publish;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request Response Information and Request Problem Information of CONNECT (MQTT 5.0 sections 3.1.2.11.6-7), and the
 * request/response pattern they serve (section 4.10).
 */
class RequestResponseAndProblemInformationTest {
    private static final byte[] NOT_UTF8 = {(byte) 0xFF};

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(TOPIC_ALIAS_MAXIMUM, 2));

    private static MqttProperties noProblemInformation() {
        return props(PropertyId.REQUEST_PROBLEM_INFORMATION, 0);
    }

    // ------------------------------------------------------------------ Response Information

    @Test
    @DisplayName("§3.2.2.3.15: Request Response Information 1 gets Response Information in the CONNACK")
    void responseInformationWhenRequested() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = client.connect(RawV5.connectPacket("rri-1", true,
                    props(PropertyId.REQUEST_RESPONSE_INFORMATION, 1)));
            assertThat(connAck.properties().string(PropertyId.RESPONSE_INFORMATION)).isNotBlank();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-28: without the request (absent or 0) there is no Response Information")
    void noResponseInformationUnlessRequested() throws Exception {
        try (RawClient absent = new RawClient(broker.port()); RawClient zero = new RawClient(broker.port())) {
            ConnAck withoutRequest = absent.connect(RawV5.connectPacket("rri-2a", true, MqttProperties.EMPTY));
            ConnAck requestZero = zero.connect(RawV5.connectPacket("rri-2b", true,
                    props(PropertyId.REQUEST_RESPONSE_INFORMATION, 0)));
            assertThat(withoutRequest.properties().contains(PropertyId.RESPONSE_INFORMATION)).isFalse();
            assertThat(requestZero.properties().contains(PropertyId.RESPONSE_INFORMATION)).isFalse();
        }
    }

    @Test
    @DisplayName("§4.10: a requester builds its Response Topic from the Response Information; the responder's "
            + "answer comes back with the Correlation Data (HiveMQ client)")
    void requestResponseRoundTrip() throws Exception {
        Mqtt5AsyncClient responder = MqttClient.builder().useMqttVersion5().identifier("rr-responder")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        Mqtt5BlockingClient requester = MqttClient.builder().useMqttVersion5().identifier("rr-requester")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        try {
            responder.connect().get(5, TimeUnit.SECONDS);
            responder.subscribeWith().topicFilter("rr/service/double").qos(MqttQos.AT_LEAST_ONCE)
                    .callback(request -> {
                        int n = Integer.parseInt(new String(request.getPayloadAsBytes(), StandardCharsets.UTF_8));
                        responder.publishWith().topic(request.getResponseTopic().orElseThrow())
                                .correlationData(request.getCorrelationData().orElseThrow())
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(Integer.toString(2 * n).getBytes(StandardCharsets.UTF_8)).send();
                    }).send().get(5, TimeUnit.SECONDS);

            Mqtt5ConnAck connAck = requester.connectWith().restrictions().requestResponseInformation(true)
                    .applyRestrictions().send();
            String responseTopic = connAck.getResponseInformation().orElseThrow().toString() + "/double";
            try (Mqtt5BlockingClient.Mqtt5Publishes replies = requester.publishes(MqttGlobalPublishFilter.ALL)) {
                requester.subscribeWith().topicFilter(responseTopic).qos(MqttQos.AT_LEAST_ONCE).send();
                requester.publishWith().topic("rr/service/double").qos(MqttQos.AT_LEAST_ONCE)
                        .responseTopic(responseTopic)
                        .correlationData("call-1".getBytes(StandardCharsets.UTF_8))
                        .payload("21".getBytes(StandardCharsets.UTF_8)).send();

                Mqtt5Publish reply = replies.receive(5, TimeUnit.SECONDS).orElseThrow();
                assertThat(reply.getTopic().toString()).isEqualTo(responseTopic);
                assertThat(new String(reply.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("42");
                assertThat(StandardCharsets.UTF_8.decode(reply.getCorrelationData().orElseThrow()).toString())
                        .isEqualTo("call-1");
            }
        } finally {
            requester.disconnect();
            responder.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ Reason Strings

    @Test
    @DisplayName("§3.1.2.11.7: by default an error PUBACK and DISCONNECT carry a Reason String")
    void errorsExplainThemselvesByDefault() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rpi-pub-1")) {
            pub.send(publish("rpi/1", 1, 1, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), NOT_UTF8));
            PubAck ack = pub.receive(PubAck.class);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
            assertThat(ack.properties().string(PropertyId.REASON_STRING)).isNotBlank();

            pub.send(publish("rpi/1", 0, 0, props(PropertyId.TOPIC_ALIAS, 3), "alias above the maximum"));
            Disconnect disconnect = RawV5.awaitDisconnect(pub);
            assertThat(disconnect.reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
            assertThat(disconnect.properties().string(PropertyId.REASON_STRING)).isNotBlank();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-29: with Request Problem Information 0 an error PUBACK carries no Reason String "
            + "(and Midge leaves it off DISCONNECT too)")
    void noReasonStringsWhenTheClientAsksForNone() throws Exception {
        try (RawClient pub = RawV5.connect(broker.port(), "rpi-pub-2", true, noProblemInformation())) {
            pub.send(publish("rpi/2", 1, 1, props(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1), NOT_UTF8));
            PubAck ack = pub.receive(PubAck.class);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.PAYLOAD_FORMAT_INVALID);
            assertThat(ack.properties().contains(PropertyId.REASON_STRING)).isFalse();
            assertThat(ack.properties().contains(PropertyId.USER_PROPERTY)).isFalse();

            pub.send(publish("rpi/2", 0, 0, props(PropertyId.TOPIC_ALIAS, 3), "alias above the maximum"));
            Disconnect disconnect = RawV5.awaitDisconnect(pub);
            assertThat(disconnect.reasonCode()).isEqualTo(ReasonCode.TOPIC_ALIAS_INVALID);
            assertThat(disconnect.properties().contains(PropertyId.REASON_STRING)).isFalse();
        }
    }

    @Test
    @DisplayName("§3.1.2.11.7: a refused CONNACK explains itself unless the client asked for no problem information")
    void aRefusedConnectExplainsItselfOnlyWhenAsked() throws Exception {
        try (RawClient asks = new RawClient(broker.port()); RawClient declines = new RawClient(broker.port())) {
            ConnAck explained = asks.connAck(RawV5.connectPacket("rpi-3a", true,
                    props(PropertyId.AUTHENTICATION_METHOD, "NO-SUCH-METHOD")));
            ConnAck bare = declines.connAck(RawV5.connectPacket("rpi-3b", true,
                    props(PropertyId.AUTHENTICATION_METHOD, "NO-SUCH-METHOD",
                            PropertyId.REQUEST_PROBLEM_INFORMATION, 0)));
            assertThat(explained.reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
            assertThat(explained.properties().string(PropertyId.REASON_STRING)).isNotBlank();
            assertThat(bare.reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
            assertThat(bare.properties().contains(PropertyId.REASON_STRING)).isFalse();
        }
    }

    @Test
    @DisplayName("§3.4.2.2.2: success needs no explanation: PUBACK 0x00 and CONNACK 0x00 carry no Reason String")
    void successCarriesNoReasonString() throws Exception {
        try (RawClient sub = RawV5.connect(broker.port(), "rpi-sub-4");
             RawClient pub = new RawClient(broker.port())) {
            RawV5.subscribe(sub, "rpi/4", 1);
            ConnAck connAck = pub.connect(RawV5.connectPacket("rpi-pub-4", true, MqttProperties.EMPTY));
            assertThat(connAck.properties().contains(PropertyId.REASON_STRING)).isFalse();
            pub.send(publish("rpi/4", 1, 1, MqttProperties.EMPTY, "fine"));
            PubAck ack = pub.receive(PubAck.class);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            assertThat(ack.properties().contains(PropertyId.REASON_STRING)).isFalse();
        }
    }
}
