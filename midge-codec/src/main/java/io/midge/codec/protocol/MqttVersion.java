package io.midge.codec.protocol;

/** The protocol versions Midge speaks, with the protocol name and level each one puts in CONNECT. */
public enum MqttVersion {
    MQTT_3_1("MQIsdp", 3),
    MQTT_3_1_1("MQTT", 4),
    MQTT_5("MQTT", 5);

    private final String protocolName;
    private final int level;

    MqttVersion(String protocolName, int level) {
        this.protocolName = protocolName;
        this.level = level;
    }

    public String protocolName() {
        return protocolName;
    }

    public int level() {
        return level;
    }

    /** True for 5.0: packets carry properties and reason codes. */
    public boolean isV5() {
        return this == MQTT_5;
    }

    /** The version for a CONNECT's protocol level, or null when Midge does not speak it. */
    public static MqttVersion ofLevel(int level) {
        return switch (level) {
            case 3 -> MQTT_3_1;
            case 4 -> MQTT_3_1_1;
            case 5 -> MQTT_5;
            default -> null;
        };
    }
}
