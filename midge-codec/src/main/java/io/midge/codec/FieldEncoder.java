package io.midge.codec;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * The sizes and the writing of the fields {@link MqttEncoder} builds packets from: Variable Byte Integers, UTF-8
 * strings, binary data and MQTT 5 property sections. Sizes come first so that a packet goes into a buffer of
 * exactly its length; a string or binary field too long for its two-byte length prefix is refused.
 */
final class FieldEncoder {
    private FieldEncoder() {
    }

    /** The property section, its Variable Byte Integer length included. */
    static int propertiesSize(MqttProperties properties) {
        int length = propertiesLength(properties);
        return variableByteIntSize(length) + length;
    }

    private static int propertiesLength(MqttProperties properties) {
        int length = 0;
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            length += 1 + switch (p.id().type()) {
                case BYTE -> 1;
                case TWO_BYTE_INTEGER -> 2;
                case FOUR_BYTE_INTEGER -> 4;
                case VARIABLE_BYTE_INTEGER -> variableByteIntSize((int) (long) (Long) p.value());
                case UTF8_STRING -> stringSize((String) p.value());
                case BINARY_DATA -> 2 + ((Binary) p.value()).length();
                case UTF8_STRING_PAIR -> {
                    UserProperty pair = (UserProperty) p.value();
                    yield stringSize(pair.name()) + stringSize(pair.value());
                }
            };
        }
        return length;
    }

    static void writeProperties(ByteBuf out, MqttProperties properties) {
        writeVariableByteInt(out, propertiesLength(properties));
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            out.writeByte(p.id().code());
            Object value = p.value();
            switch (p.id().type()) {
                case BYTE -> out.writeByte((int) (long) (Long) value);
                case TWO_BYTE_INTEGER -> out.writeShort((int) (long) (Long) value);
                case FOUR_BYTE_INTEGER -> out.writeInt((int) (long) (Long) value);
                case VARIABLE_BYTE_INTEGER -> writeVariableByteInt(out, (int) (long) (Long) value);
                case UTF8_STRING -> writeString(out, (String) value);
                case BINARY_DATA -> writeBinary(out, (Binary) value);
                case UTF8_STRING_PAIR -> {
                    writeString(out, ((UserProperty) value).name());
                    writeString(out, ((UserProperty) value).value());
                }
            }
        }
    }

    static int variableByteIntSize(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    static void writeVariableByteInt(ByteBuf out, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            out.writeByte(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }

    static int stringSize(String s) {
        int bytes = ByteBufUtil.utf8Bytes(s);
        if (bytes > 0xFFFF) {
            throw new IllegalArgumentException("string longer than 65535 bytes in UTF-8");
        }
        return 2 + bytes;
    }

    static void writeString(ByteBuf out, String s) {
        // Reserving the exact length keeps the exactly-sized buffer from being enlarged (writeUtf8 alone reserves
        // three bytes per character).
        int length = ByteBufUtil.utf8Bytes(s);
        out.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(out, s, length);
    }

    static void writeBinary(ByteBuf out, Binary data) {
        if (data.length() > 0xFFFF) {
            throw new IllegalArgumentException("binary data longer than 65535 bytes");
        }
        out.writeShort(data.length());
        data.writeTo(out);
    }
}
