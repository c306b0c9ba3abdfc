package io.midge.broker.cluster;

import io.midge.broker.persistence.InflightDelivery;
import io.midge.broker.persistence.InflightState;
import io.midge.broker.persistence.QueuedDelivery;
import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredSession;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.persistence.Values;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A whole session and single deliveries in the bytes of the handover messages ({@link HandoverCodec}): what a move
 * carries from the old owner to the new one (the session) and what a tail carries (deliveries, each with its
 * message and the message's properties). Plain {@link DataOutputStream} fields in the order written here; each
 * subscription and delivery as the store encodes it ({@link Values}), behind its length.
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
            out.writeUTF(e.getKey());
            writeBytes(out, Values.subscription(e.getValue()));
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
            String filter = in.readUTF();
            subscriptions.put(filter, decoded(in, Values::subscription));
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
        writeBytes(out, Values.delivery(d));
    }

    static StoredDelivery readDelivery(DataInputStream in) throws IOException {
        return decoded(in, Values::delivery);
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** A length and that many bytes in the store's encoding ({@link Values}), decoded; malformed: an IOException. */
    private static <T> T decoded(DataInputStream in, Function<byte[], T> decode) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a value of " + length + " bytes where " + in.available() + " are left");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        try {
            return decode.apply(bytes);
        } catch (RuntimeException e) {
            throw new IOException("a malformed value: " + e.getMessage(), e);
        }
    }
}
