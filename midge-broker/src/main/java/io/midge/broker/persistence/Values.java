package io.midge.broker.persistence;

import io.midge.codec.protocol.Binary;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The encoding of every stored value: compact, and independent of the wire codec so that a change of the wire
 * format never changes what is on disk. A message ends with its payload, which therefore needs no length. A cluster's
 * session move carries deliveries and subscriptions in the same encoding (the public methods).
 */
public final class Values {
    private static final int RETAIN = 1 << 2;
    private static final int HAS_PUBLISHER = 1 << 3;
    private static final int HAS_EXPIRY = 1 << 4;
    private static final int HAS_PROPERTIES = 1 << 5;
    private static final int SHARED = 1 << 3;
    /** A delivery's flag: sent at QoS 1 and awaiting PUBACK, its packet identifier (two bytes) after the flags. */
    private static final int SENT = 1 << 4;
    private static final int NO_LOCAL = 1 << 2;
    private static final int RETAIN_AS_PUBLISHED = 1 << 3;

    private Values() {
    }

    // ---------------------------------------------------------------- messages

    static byte[] message(StoredMessage m) {
        return writeMessage(new ByteWriter(32 + m.topic().length() + m.payload().length), m).toByteArray();
    }

    static StoredMessage message(byte[] value) {
        return readMessage(new ByteReader(value, 0));
    }

    private static ByteWriter writeMessage(ByteWriter w, StoredMessage m) {
        boolean hasProperties = !m.properties().isEmpty();
        w.writeByte(m.qos() | (m.retain() ? RETAIN : 0) | (m.publisherId() != null ? HAS_PUBLISHER : 0)
                | (m.expiresAtMillis() != StoredMessage.NEVER ? HAS_EXPIRY : 0) | (hasProperties ? HAS_PROPERTIES : 0));
        w.writeString(m.topic());
        if (m.publisherId() != null) {
            w.writeString(m.publisherId());
        }
        if (m.expiresAtMillis() != StoredMessage.NEVER) {
            w.writeLong(m.expiresAtMillis());
        }
        if (hasProperties) {
            writeProperties(w, m.properties());
        }
        return w.writeRaw(m.payload());
    }

    private static StoredMessage readMessage(ByteReader r) {
        int flags = r.readByte();
        String topic = r.readString();
        String publisher = (flags & HAS_PUBLISHER) != 0 ? r.readString() : null;
        long expiresAt = (flags & HAS_EXPIRY) != 0 ? r.readLong() : StoredMessage.NEVER;
        MqttProperties properties = (flags & HAS_PROPERTIES) != 0 ? readProperties(r) : MqttProperties.EMPTY;
        return new StoredMessage(topic, flags & 3, (flags & RETAIN) != 0, r.readRest(), properties, expiresAt,
                publisher);
    }

    /** Properties as a count and then, for each, its identifier and its value in the encoding of its type. */
    private static void writeProperties(ByteWriter w, MqttProperties properties) {
        w.writeVarLong(properties.size());
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            w.writeByte(p.id().code());
            switch (p.id().type()) {
                case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> w.writeVarLong((Long) p.value());
                case UTF8_STRING -> w.writeString((String) p.value());
                case BINARY_DATA -> {
                    byte[] data = ((Binary) p.value()).toByteArray();
                    w.writeVarLong(data.length).writeRaw(data);
                }
                case UTF8_STRING_PAIR -> {
                    UserProperty u = (UserProperty) p.value();
                    w.writeString(u.name()).writeString(u.value());
                }
            }
        }
    }

    private static MqttProperties readProperties(ByteReader r) {
        int count = r.readVarInt();
        MqttProperties.Builder b = MqttProperties.builder();
        for (int i = 0; i < count; i++) {
            int code = r.readByte();
            PropertyId id = PropertyId.ofCode(code);
            if (id == null) {
                throw new IllegalStateException("unknown property identifier " + code);
            }
            Object value = switch (id.type()) {
                case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> r.readVarLong();
                case UTF8_STRING -> r.readString();
                case BINARY_DATA -> Binary.of(r.readRaw(r.readVarInt()));
                case UTF8_STRING_PAIR -> new UserProperty(r.readString(), r.readString());
            };
            b.add(new MqttProperties.Property(id, value));
        }
        return b.build();
    }

    // ---------------------------------------------------------------- deliveries, in-flight state and wills

    /**
     * A delivery: its own flags and subscription identifiers, then the message. {@code encodedMessage} is the
     * message already encoded: a message fanned out to many subscribers is encoded once and copied.
     */
    static byte[] delivery(StoredDelivery d, byte[] encodedMessage) {
        byte[] value = new byte[deliveryLength(d, encodedMessage)];
        writeDelivery(d, encodedMessage, value, 0);
        return value;
    }

    /** The length of {@link #delivery(StoredDelivery, byte[])}'s value. */
    static int deliveryLength(StoredDelivery d, byte[] encodedMessage) {
        int[] ids = d.subscriptionIds();
        int length = 1 + ByteWriter.varLength(ids.length) + encodedMessage.length;
        for (int id : ids) {
            length += ByteWriter.varLength(id);
        }
        return length;
    }

    /**
     * Writes {@link #delivery(StoredDelivery, byte[])}'s value into {@code into} at {@code at} and returns where it
     * ends: flags, the subscription identifiers (a count, then each, as unsigned LEB128) and the message. Call
     * {@link #deliveryLength} first: it refuses what cannot be written.
     */
    static int writeDelivery(StoredDelivery d, byte[] encodedMessage, byte[] into, int at) {
        into[at++] = (byte) (d.qos() | (d.retain() ? RETAIN : 0) | (d.shared() ? SHARED : 0));
        int[] ids = d.subscriptionIds();
        at = ByteWriter.writeVar(ids.length, into, at);
        for (int id : ids) {
            at = ByteWriter.writeVar(id, into, at);
        }
        System.arraycopy(encodedMessage, 0, into, at, encodedMessage.length);
        return at + encodedMessage.length;
    }

    /** A delivery with its message, as {@link #delivery(StoredDelivery, byte[])} stores it. */
    public static byte[] delivery(StoredDelivery d) {
        return delivery(d, message(d.message()));
    }

    public static StoredDelivery delivery(byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        int flags = r.readByte();
        if ((flags & SENT) != 0) {
            r.readShort();
        }
        int[] ids = new int[r.readVarInt()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.readVarInt();
        }
        return new StoredDelivery(readMessage(r), flags & 3, (flags & RETAIN) != 0, ids, (flags & SHARED) != 0);
    }

    /**
     * The packet identifier a delivery's value says it was sent under at QoS 1 (its state is then AWAITING_PUBACK),
     * or 0 when it says nothing: see {@link #writeSentDelivery}.
     */
    static int sentPacketId(byte[] value) {
        return (value[0] & SENT) == 0 ? 0 : (value[1] & 0xFF) << 8 | (value[2] & 0xFF);
    }

    /** How much longer {@link #writeSentDelivery} makes a delivery's value. */
    static final int SENT_EXTRA = 2;

    /**
     * Writes a delivery's value ({@code value[from..from + length)}, as {@link #writeDelivery} wrote it) into
     * {@code into} at {@code at}, marked as sent at QoS 1 under {@code packetId}: the flags with {@link #SENT}, the
     * identifier, then the rest unchanged; returns where it ends. What a store writer does for a delivery sent before
     * its put was written ({@link QueuedPut#sent}): the value then says so itself, and no sent record is needed.
     */
    static int writeSentDelivery(byte[] value, int from, int length, int packetId, byte[] into, int at) {
        into[at++] = (byte) (value[from] | SENT);
        into[at++] = (byte) (packetId >>> 8);
        into[at++] = (byte) packetId;
        System.arraycopy(value, from + 1, into, at, length - 1);
        return at + length - 1;
    }

    /** In flight: the state and the sequence number of the queued delivery it sends (which holds the message). */
    static byte[] inflight(InflightState state, long sequence) {
        return new ByteWriter(10).writeByte(state.code()).writeVarLong(sequence).toByteArray();
    }

    record Inflight(InflightState state, long sequence) {
    }

    static Inflight inflight(byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        return new Inflight(InflightState.ofCode(r.readByte()), r.readVarLong());
    }

    /** Sent: the state (awaiting PUBACK or PUBREC) and the packet identifier; the key names the queued delivery. */
    static byte[] sent(InflightState state, int packetId) {
        return new byte[] {(byte) state.code(), (byte) (packetId >>> 8), (byte) packetId};
    }

    record Sent(InflightState state, int packetId) {
    }

    static Sent sent(byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        return new Sent(InflightState.ofCode(r.readByte()), r.readShort());
    }

    static byte[] will(StoredWill will) {
        StoredMessage m = will.message();
        ByteWriter w = new ByteWriter(40 + m.topic().length() + m.payload().length).writeLong(will.publishAtMillis());
        return writeMessage(w, m).toByteArray();
    }

    static StoredWill will(String clientId, byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        long publishAt = r.readLong();
        return new StoredWill(clientId, readMessage(r), publishAt);
    }

    // ---------------------------------------------------------------- sessions and subscriptions

    /**
     * A session: protocol version, expiry interval, the time it went offline plus one (0 while connected), and on a
     * node of a cluster its epoch. A record without the epoch (a broker on its own, or written before there was one)
     * reads as epoch 0.
     */
    static byte[] session(StoredSession s) {
        ByteWriter w = new ByteWriter(24).writeByte(s.protocolVersion()).writeVarLong(s.expiryIntervalSeconds())
                .writeVarLong(s.disconnectedAtMillis() + 1);
        if (s.clusterEpoch() > 0) {
            w.writeVarLong(s.clusterEpoch());
        }
        return w.toByteArray();
    }

    static StoredSession session(String clientId, byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        return new StoredSession(clientId, r.readByte(), r.readVarLong(), r.readVarLong() - 1,
                r.remaining() > 0 ? r.readVarLong() : 0);
    }

    public static byte[] subscription(StoredSubscription o) {
        int flags = o.qos() | (o.noLocal() ? NO_LOCAL : 0) | (o.retainAsPublished() ? RETAIN_AS_PUBLISHED : 0)
                | o.retainHandling() << 4;
        return new ByteWriter(6).writeByte(flags).writeVarLong(o.subscriptionId()).toByteArray();
    }

    public static StoredSubscription subscription(byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        int flags = r.readByte();
        return new StoredSubscription(flags & 3, (flags & NO_LOCAL) != 0, (flags & RETAIN_AS_PUBLISHED) != 0,
                (flags >> 4) & 3, r.readVarInt());
    }

    // ---------------------------------------------------------------- a session moved here in a cluster

    /** The identities, then per node its last forward identity before its switch, then the tails' requests. */
    static byte[] movedCopies(StoredMovedCopies c) {
        ByteWriter w = new ByteWriter(16 + 24 * (c.identities().size() + c.routedBefore().size())
                + 9 * c.appliedTails().size());
        w.writeVarLong(c.identities().size());
        for (String identity : c.identities()) {
            w.writeString(identity);
        }
        w.writeVarLong(c.routedBefore().size());
        for (Map.Entry<String, Long> e : c.routedBefore().entrySet()) {
            w.writeString(e.getKey()).writeLong(e.getValue());
        }
        w.writeVarLong(c.appliedTails().size());
        for (long requestId : c.appliedTails()) {
            w.writeLong(requestId);
        }
        return w.toByteArray();
    }

    static StoredMovedCopies movedCopies(byte[] value) {
        ByteReader r = new ByteReader(value, 0);
        Set<String> identities = new HashSet<>();
        for (int i = r.readVarInt(); i > 0; i--) {
            identities.add(r.readString());
        }
        Map<String, Long> routedBefore = new HashMap<>();
        for (int i = r.readVarInt(); i > 0; i--) {
            routedBefore.put(r.readString(), r.readLong());
        }
        List<Long> applied = new ArrayList<>();
        for (int i = r.readVarInt(); i > 0; i--) {
            applied.add(r.readLong());
        }
        if (r.remaining() > 0) {
            throw new IllegalStateException(r.remaining() + " bytes after a moved session's copies");
        }
        return new StoredMovedCopies(identities, routedBefore, applied);
    }

    static byte[] formatVersion(int version) {
        return new ByteWriter(4).writeByte(version >>> 24).writeByte(version >>> 16).writeByte(version >>> 8)
                .writeByte(version).toByteArray();
    }

    static int formatVersion(byte[] value) {
        if (value.length != 4) {
            throw new IllegalStateException("format marker of " + value.length + " bytes");
        }
        return ((value[0] & 0xFF) << 24) | ((value[1] & 0xFF) << 16) | ((value[2] & 0xFF) << 8) | (value[3] & 0xFF);
    }
}
