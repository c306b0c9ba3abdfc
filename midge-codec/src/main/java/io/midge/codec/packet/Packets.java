package io.midge.codec.packet;

/** Argument checks the packet constructors share. */
final class Packets {
    private Packets() {
    }

    static void checkPacketId(int packetId) {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier out of range 1-65535: " + packetId);
        }
    }

    static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos out of range 0-2: " + qos);
        }
    }
}
