package io.midge.broker.cluster;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredMessage;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole session and single deliveries in the bytes of the handover messages ({@link HandoverCodec}): what a move
 * carries from the old owner to the new one (the session) and what a tail carries (deliveries, each with its
 * message and the message's properties). Plain {@link DataOutputStream} fields in the order written here.
 */
final class SessionCodec {
    private SessionCodec() {
    }

    static void writeSession(DataOutputStream out, RecoveredSession s) throws IOException {
        StoredSession record = s.session();
        out.writeUTF(record.clientId());
        out.writeByte(record.protocolVersion());
        out.writeLong(record.expiryIntervalSeconds());
        out.writeInt(s.subscriptions().size());
        for (Map.Entry<String, StoredSubscription> e : s.subscriptions().entrySet()) {
            StoredSubscription o = e.getValue();
            out.writeUTF(e.getKey());
            out.writeByte(o.qos());
            out.writeBoolean(o.noLocal());
            out.writeBoolean(o.retainAsPublished());
            out.writeByte(o.retainHandling());
            out.writeInt(o.subscriptionId());
        }
        out.writeInt(s.inflight().size());
        for (InflightDelivery d : s.inflight()) {
            out.writeShort(d.packetId());
            out.writeLong(d.sequence());
            out.writeByte(d.state().ordinal());
            out.writeBoolean(d.delivery() != null);
            if (d.delivery() != null) {
                writeDelivery(out, d.delivery());
            }
        }
        out.writeInt(s.queued().size());
        for (QueuedDelivery d : s.queued()) {
            out.writeLong(d.sequence());
            writeDelivery(out, d.delivery());
        }
        out.writeInt(s.inboundQos2().length);
        for (int id : s.inboundQos2()) {
            out.writeShort(id);
        }
        out.writeLong(s.nextSequence());
    }

    static RecoveredSession readSession(DataInputStream in) throws IOException {
        StoredSession record = new StoredSession(in.readUTF(), in.readByte(), in.readLong(), StoredSession.CONNECTED);
        int n = in.readInt();
        Map<String, StoredSubscription> subscriptions = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            subscriptions.put(in.readUTF(), new StoredSubscription(in.readByte(), in.readBoolean(), in.readBoolean(),
                    in.readByte(), in.readInt()));
        }
        n = in.readInt();
        List<InflightDelivery> inflight = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int packetId = in.readUnsignedShort();
            long sequence = in.readLong();
            InflightState state = InflightState.values()[in.readByte()];
            inflight.add(new InflightDelivery(packetId, sequence, state, in.readBoolean() ? readDelivery(in) : null));
        }
        n = in.readInt();
        List<QueuedDelivery> queued = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            queued.add(new QueuedDelivery(in.readLong(), readDelivery(in)));
        }
        int[] qos2 = new int[in.readInt()];
        for (int i = 0; i < qos2.length; i++) {
            qos2[i] = in.readUnsignedShort();
        }
        return new RecoveredSession(record, Long.MAX_VALUE, subscriptions, queued, inflight, qos2, in.readLong());
    }

    static void writeDelivery(DataOutputStream out, StoredDelivery d) throws IOException {
        out.writeByte(d.qos());
        out.writeBoolean(d.retain());
        out.writeBoolean(d.shared());
        int[] ids = d.subscriptionIds();
        out.writeInt(ids.length);
        for (int id : ids) {
            out.writeInt(id);
        }
        StoredMessage m = d.message();
        out.writeUTF(m.topic());
        out.writeByte(m.qos());
        out.writeBoolean(m.retain());
        out.writeInt(m.payload().length);
        out.write(m.payload());
        writeProperties(out, m.properties());
        out.writeLong(m.expiresAtMillis());
        out.writeBoolean(m.publisherId() != null);
        if (m.publisherId() != null) {
            out.writeUTF(m.publisherId());
        }
    }

    static StoredDelivery readDelivery(DataInputStream in) throws IOException {
        int qos = in.readByte();
        boolean retain = in.readBoolean();
        boolean shared = in.readBoolean();
        int[] ids = new int[in.readInt()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = in.readInt();
        }
        String topic = in.readUTF();
        int messageQos = in.readByte();
        boolean messageRetain = in.readBoolean();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        MqttProperties properties = readProperties(in);
        long expiresAt = in.readLong();
        String publisher = in.readBoolean() ? in.readUTF() : null;
        return new StoredDelivery(new StoredMessage(topic, messageQos, messageRetain, payload, properties, expiresAt,
                publisher), qos, retain, ids, shared);
    }

    private static void writeProperties(DataOutputStream out, MqttProperties properties) throws IOException {
        out.writeInt(properties.size());
        for (int i = 0; i < properties.size(); i++) {
            MqttProperties.Property p = properties.get(i);
            out.writeByte(p.id().code());
            switch (p.id().type()) {
                case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> out.writeLong((Long) p.value());
                case UTF8_STRING -> out.writeUTF((String) p.value());
                case BINARY_DATA -> {
                    byte[] data = ((Binary) p.value()).toByteArray();
                    out.writeInt(data.length);
                    out.write(data);
                }
                case UTF8_STRING_PAIR -> {
                    UserProperty u = (UserProperty) p.value();
                    out.writeUTF(u.name());
                    out.writeUTF(u.value());
                }
            }
        }
    }

    private static MqttProperties readProperties(DataInputStream in) throws IOException {
        int n = in.readInt();
        MqttProperties.Builder b = MqttProperties.builder();
        for (int i = 0; i < n; i++) {
            int code = in.readUnsignedByte();
            PropertyId id = PropertyId.ofCode(code);
            if (id == null) {
                throw new IOException("unknown property identifier " + code);
            }
            Object value = switch (id.type()) {
                case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> in.readLong();
                case UTF8_STRING -> in.readUTF();
                case BINARY_DATA -> {
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    yield Binary.of(data);
                }
                case UTF8_STRING_PAIR -> new UserProperty(in.readUTF(), in.readUTF());
            };
            b.add(new MqttProperties.Property(id, value));
        }
        return b.build();
    }
}
