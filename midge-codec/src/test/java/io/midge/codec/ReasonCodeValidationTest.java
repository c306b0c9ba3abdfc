package io.midge.codec;

import static io.midge.codec.Decoding.assertMalformed;
import static io.midge.codec.Decoding.client311;
import static io.midge.codec.Decoding.client5;
import static io.midge.codec.Decoding.decode;
import static io.midge.codec.Decoding.server5;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.PubRel;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Reason codes (5.0 section 2.4) and CONNACK return codes: a value the packet may not carry is malformed. */
@DisplayName("Reason codes")
class ReasonCodeValidationTest {

    @Test
    @DisplayName("§2.4: reason code 0x05 in a 5.0 PUBACK is unknown: malformed (0x81)")
    void unknownPubackReasonCode() {
        assertMalformed(server5(), "40 03 | 00 01 | 05", "§2.4");
        assertMalformed(client5(), "40 04 | 00 01 | 05 | 00", "§2.4");
    }

    @Test
    @DisplayName("§2.4: a reason code another packet type owns (0x10 in PUBREL, 0x04 from SUBACK) is malformed")
    void reasonCodeOfAnotherPacket() {
        assertMalformed(server5(), "62 03 | 00 01 | 10", "§2.4"); // No matching subscribers: PUBACK, PUBREC only
        assertMalformed(client5(), "90 04 | 00 01 | 00 | 04", "§2.4");
        assertMalformed(client5(), "B0 04 | 00 01 | 00 | 01", "§2.4");
        assertMalformed(server5(), "E0 01 | 01", "§2.4");
        assertMalformed(server5(), "F0 02 | 01 | 00", "§2.4");
    }

    @Test
    @DisplayName("§2.4: the reason codes a packet may carry are accepted")
    void validReasonCodes() {
        assertThat(decode(client5(), "62 03 | 00 01 | 92")).isEqualTo(
                new PubRel(1, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, MqttProperties.EMPTY));
        assertThat(decode(server5(), "E0 01 | 04")).isEqualTo(
                new Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE));
        assertThat(decode(server5(), "F0 02 | 19 | 00")).isEqualTo(
                new Auth(ReasonCode.REAUTHENTICATE, MqttProperties.EMPTY));
    }

    @Test
    @DisplayName("§3.2.2.2: a CONNACK code outside the version's table is malformed (0x81)")
    void unknownConnackCode() {
        assertMalformed(client311(), "20 02 | 00 | 06", "§3.2.2.2");
        assertMalformed(client5(), "20 03 | 00 | 01 | 00", "§3.2.2.2"); // 0x01 is a 3.1.1 code, not a 5.0 one
        assertThat(decode(client311(), "20 02 | 00 | 05")).isEqualTo(
                new ConnAck(false, ReasonCode.NOT_AUTHORIZED, MqttProperties.EMPTY));
        assertThat(decode(client5(), "20 03 | 01 | 00 | 00")).isEqualTo(
                new ConnAck(true, ReasonCode.SUCCESS, MqttProperties.EMPTY));
    }

    @Test
    @DisplayName("MQTT-3.2.2-1: 5.0 CONNACK acknowledge flags with reserved bits 7-1 set are malformed (0x81)")
    void connackReservedFlagsInV5() {
        assertMalformed(client5(), "20 03 | 80 | 00 | 00", "MQTT-3.2.2-1");
        assertMalformed(client5(), "20 03 | 03 | 00 | 00", "MQTT-3.2.2-1");
    }

    @Test
    @DisplayName("§3.2.2.1: 3.1.1 CONNACK acknowledge flags with reserved bits 7-1 set are malformed")
    void connackReservedFlagsInV311() {
        assertMalformed(client311(), "20 02 | 02 | 00", "§3.2.2.1");
    }
}
