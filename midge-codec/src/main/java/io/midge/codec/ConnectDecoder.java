package io.midge.codec;

import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.PacketType;
import io.midge.codec.protocol.ReasonCode;
import java.util.function.Consumer;

/** Decodes CONNECT (MQTT 5.0 section 3.1, 3.1.1 section 3.1, and 3.1's MQIsdp variant) and its answer, CONNACK. */
final class ConnectDecoder {
    private static final int MQTT_3_1_MAX_CLIENT_ID = 23;

    private ConnectDecoder() {
    }

    /**
     * @param versionKnown told the version as soon as the protocol level is read, so that a later error in the same
     *                     CONNECT can still be answered with a CONNACK of the right form
     */
    static Connect decode(BodyReader reader, Consumer<MqttVersion> versionKnown) {
        MqttVersion version = readVersion(reader);
        versionKnown.accept(version);

        int flags = reader.readByte("connect flags");
        if ((flags & 0x01) != 0) {
            throw MqttCodecException.malformed("MQTT-3.1.2-3", "the reserved connect flag is set");
        }
        boolean cleanStart = (flags & 0x02) != 0;
        boolean willFlag = (flags & 0x04) != 0;
        int willQos = (flags >> 3) & 0x03;
        boolean willRetain = (flags & 0x20) != 0;
        boolean passwordFlag = (flags & 0x40) != 0;
        boolean usernameFlag = (flags & 0x80) != 0;
        if (!willFlag && willQos != 0) {
            throw MqttCodecException.malformed(version.isV5() ? "MQTT-3.1.2-11" : "MQTT-3.1.2-13",
                    "will QoS " + willQos + " without the will flag");
        }
        if (willQos == 3) {
            throw MqttCodecException.malformed(version.isV5() ? "MQTT-3.1.2-12" : "MQTT-3.1.2-14", "will QoS 3");
        }
        if (!willFlag && willRetain) {
            throw MqttCodecException.malformed(version.isV5() ? "MQTT-3.1.2-13" : "MQTT-3.1.2-15",
                    "will retain without the will flag");
        }
        if (!version.isV5() && passwordFlag && !usernameFlag) {
            throw MqttCodecException.malformed("MQTT-3.1.2-22", "a password without a user name");
        }
        int keepAlive = reader.readTwoByteInt("keep alive");

        MqttProperties properties = MqttProperties.EMPTY;
        if (version.isV5()) {
            properties = PropertiesDecoder.read(reader, PacketType.CONNECT, false);
            if (properties.contains(PropertyId.AUTHENTICATION_DATA)
                    && !properties.contains(PropertyId.AUTHENTICATION_METHOD)) {
                throw MqttCodecException.protocolError("§3.1.2.11.10",
                        "Authentication Data without an Authentication Method");
            }
        }

        String clientId = reader.readString("client identifier");
        checkClientId(version, clientId, cleanStart);

        Will will = willFlag ? readWill(reader, version, willQos, willRetain) : null;
        String username = usernameFlag ? reader.readString("user name") : null;
        Binary password = passwordFlag ? reader.readBinary("password") : null;
        return new Connect(version, clientId, cleanStart, keepAlive, username, password, will, properties);
    }

    private static MqttVersion readVersion(BodyReader reader) {
        String name = reader.readString("protocol name");
        int level = reader.readByte("protocol level");
        if (!name.equals("MQTT") && !name.equals("MQIsdp")) {
            throw MqttCodecException.protocolError("MQTT-3.1.2-1", "unknown protocol name '" + name + "'");
        }
        MqttVersion version = MqttVersion.ofLevel(level);
        if (version == null || !version.protocolName().equals(name)) {
            throw new MqttCodecException(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2",
                    "unsupported protocol level " + level + " for protocol name '" + name + "'");
        }
        return version;
    }

    private static void checkClientId(MqttVersion version, String clientId, boolean cleanStart) {
        switch (version) {
            case MQTT_3_1 -> {
                // MQTT 3.1 section 3.1: between 1 and 23 characters, else return code 2.
                if (clientId.isEmpty() || clientId.length() > MQTT_3_1_MAX_CLIENT_ID) {
                    throw new MqttCodecException(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT 3.1 §3.1",
                            "an MQTT 3.1 client identifier must have 1 to 23 characters, not " + clientId.length());
                }
            }
            case MQTT_3_1_1 -> {
                if (clientId.isEmpty() && !cleanStart) {
                    throw new MqttCodecException(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "MQTT-3.1.3-8",
                            "a zero-length client identifier needs clean session");
                }
            }
            case MQTT_5 -> {
                // Any length, zero included: the server then assigns one (MQTT-3.1.3-6).
            }
        }
    }

    private static Will readWill(BodyReader reader, MqttVersion version, int qos, boolean retain) {
        MqttProperties properties = version.isV5()
                ? PropertiesDecoder.read(reader, PacketType.CONNECT, true) : MqttProperties.EMPTY;
        String topic = reader.readString("will topic");
        // A will topic is a topic name: at least one character (MQTT-4.7.3-1), no wildcards (MQTT-4.7.0-1).
        if (topic.isEmpty()) {
            throw new MqttCodecException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.3-1", "the will topic is empty");
        }
        String problem = Topics.topicNameProblem(topic);
        if (problem != null) {
            throw new MqttCodecException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-4.7.0-1", problem);
        }
        Binary payload = reader.readBinary("will payload");
        return new Will(topic, payload, qos, retain, properties);
    }

    /** CONNACK (MQTT 5.0 section 3.2): in 3.x the reason code is a return code from 0 to 5. */
    static ConnAck decodeConnAck(BodyReader reader) {
        int acknowledgeFlags = reader.readByte("connect acknowledge flags");
        if ((acknowledgeFlags & 0xFE) != 0) {
            // Numbered in 5.0 only; 3.1.1's MQTT-3.2.2-1 is about Session Present.
            throw MqttCodecException.malformed(reader.isV5() ? "MQTT-3.2.2-1" : "§3.2.2.1",
                    "reserved connect acknowledge flags are set");
        }
        int code = reader.readByte("connect reason code");
        ReasonCode reasonCode = reader.isV5() ? ReasonCode.of(PacketType.CONNACK, code)
                : ReasonCode.ofV3ConnectReturnCode(code);
        if (reasonCode == null) {
            throw MqttCodecException.malformed("§3.2.2.2", String.format("unknown CONNACK code 0x%02X", code));
        }
        MqttProperties properties = PropertiesDecoder.readIfV5(reader, PacketType.CONNACK);
        return new ConnAck((acknowledgeFlags & 0x01) != 0, reasonCode, properties);
    }
}
