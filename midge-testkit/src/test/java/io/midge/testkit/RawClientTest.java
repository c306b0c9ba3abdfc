package io.midge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Disconnect;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.PingResp;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The raw client against a fake broker: a server socket in the test itself, which writes the answers byte by byte as
 * the test dictates and shows what the client sent.
 */
class RawClientTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    private ServerSocket server;
    private RawClient client;
    private Socket broker;

    @BeforeEach
    void connect() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = new RawClient(server.getLocalPort());
        broker = server.accept();
        broker.setSoTimeout(5000);
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        broker.close();
        server.close();
    }

    private void brokerSends(String hex) throws IOException {
        broker.getOutputStream().write(HexFormat.of().parseHex(hex.replace(" ", "")));
        broker.getOutputStream().flush();
    }

    private String brokerReads(int count) throws IOException {
        InputStream in = broker.getInputStream();
        return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(in.readNBytes(count));
    }

    @Test
    void sendsHexWithWhitespaceBetweenTheDigits() throws IOException {
        client.sendHex("c0 00\n e0\t00");
        assertThat(brokerReads(4)).isEqualTo("C0 00 E0 00");
    }

    @Test
    void sendsPacketsInTheClientsVersion() throws IOException {
        client.version(MqttVersion.MQTT_5).send(Disconnect.NORMAL,
                new Subscribe(7, List.of(new Subscription("a", 1)), MqttProperties.EMPTY));
        // 5.0: DISCONNECT without a body (success, no properties); SUBSCRIBE with an empty property length.
        assertThat(brokerReads(2 + 9)).isEqualTo("E0 00 82 07 00 07 00 00 01 61 01");
    }

    @Test
    void sendConnectSendsTheBytesOfConnectHex() throws IOException {
        String expected = RawClient.connectHex(MqttVersion.MQTT_3_1, "c");
        assertThat(expected).startsWith("10 0F 00 06 4D 51 49 73 64 70 03 02 00 00 00 01 63");
        client.sendConnect(MqttVersion.MQTT_3_1, "c");
        assertThat(brokerReads(17)).isEqualTo(expected);
    }

    @Test
    void readsExactlyTheCountAndKeepsTheRestForLater() throws IOException {
        brokerSends("20 02 00 00 D0 00");
        assertThat(client.read(4)).isEqualTo("20 02 00 00");
        assertThat(client.receive()).isInstanceOf(PingResp.class);
    }

    @Test
    void readFailsWhenTheConnectionClosesBeforeTheCount() throws IOException {
        brokerSends("20 02");
        broker.close();
        assertThatThrownBy(() -> client.read(4)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("after 2 of 4 bytes: 20 02");
    }

    @Test
    void readsEverythingUntilTheClose() throws IOException {
        brokerSends("20 02 00 01");
        broker.close();
        assertThat(client.readUntilClose()).isEqualTo("20 02 00 01");
    }

    @Test
    void readsNothingFromAConnectionClosedWithoutAByte() throws IOException {
        broker.close();
        assertThat(client.readUntilClose()).isEmpty();
    }

    @Test
    void readUntilCloseFailsWhileTheConnectionStaysOpen() throws IOException {
        brokerSends("D0 00");
        assertThatThrownBy(() -> client.readUntilClose(SHORT)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not close").hasMessageContaining("D0 00");
    }

    @Test
    void silentAndOpenOnlyWhileNothingArrivesAndTheConnectionStays() throws IOException {
        assertThat(client.staysSilentAndOpen(SHORT)).isTrue();
        brokerSends("D0");
        assertThat(client.staysSilentAndOpen(SHORT)).isFalse();
        assertThat(client.staysSilentAndOpen(SHORT)).as("a byte received and not taken yet").isFalse();
        assertThat(client.read(1)).isEqualTo("D0");
        broker.close();
        assertThat(client.staysSilentAndOpen(SHORT)).isFalse();
    }

    @Test
    void decodesAPacketThatArrivesInPieces() throws IOException {
        brokerSends("30 07 00 03 61");
        assertThat(client.poll(SHORT)).as("half a PUBLISH").isNull();
        brokerSends("2F 62 68 69 D0 00");
        Publish publish = client.receive(Publish.class);
        assertThat(publish.topic()).isEqualTo("a/b");
        // The payload is a copy: the receive buffer is compacted for the next packet without changing it.
        assertThat(client.receive()).isInstanceOf(PingResp.class);
        assertThat(new String(ByteBufUtil.getBytes(publish.payload()), StandardCharsets.UTF_8)).isEqualTo("hi");
    }

    @Test
    void receiveFailsOnAnotherTypeOrTheClose() throws IOException {
        brokerSends("D0 00");
        assertThatThrownBy(() -> client.receive(ConnAck.class)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected ConnAck");
        broker.close();
        assertThatThrownBy(() -> client.receive()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("closed the connection");
    }

    @Test
    void decodesInTheVersionTheConnectSwitchedTo() throws IOException {
        brokerSends("20 03 00 00 00"); // a 5.0 CONNACK: success and an empty property length
        ConnAck connAck = client.connect(TestPackets.connect(MqttVersion.MQTT_5, "five"));
        assertThat(connAck.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(brokerReads(2)).startsWith("10");
    }

    @Test
    void connectFailsOnARefusalWhichConnAckReturns() throws IOException {
        brokerSends("20 02 00 05 20 02 00 05");
        assertThatThrownBy(() -> client.connect("refused")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("CONNECT refused");
        assertThat(client.connAck(TestPackets.connect(MqttVersion.MQTT_3_1_1, "refused")).reasonCode())
                .isEqualTo(ReasonCode.NOT_AUTHORIZED);
    }

    @Test
    void awaitCloseReturnsThePacketsSentBeforeTheClose() throws IOException {
        client.version(MqttVersion.MQTT_5);
        brokerSends("D0 00 E0 01 8E"); // PINGRESP, DISCONNECT 0x8E Session taken over
        broker.close();
        List<MqttPacket> before = client.awaitClose();
        assertThat(before).hasSize(2);
        assertThat(((Disconnect) before.get(1)).reasonCode()).isEqualTo(ReasonCode.SESSION_TAKEN_OVER);
    }

    @Test
    void awaitCloseFailsWhileTheConnectionStaysOpen() {
        assertThatThrownBy(() -> client.awaitClose(SHORT)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not close");
    }
}
