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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of the session handover messages nodes send each other on their links ({@link SessionHandover}): a
 * request for a client's session, the answer (nothing, a refusal, or the whole session), the new owner's word that
 * it has it (or not), the messages that reached the old owner before it cut the session loose, the old owner's request
 * to every node to route the session's filters to the new owner, and each node's mark that it does (sent through its
 * forwarding queue, behind what it routed before), and the new owner's word that it stored a tail. Plain
 * {@link DataOutputStream} fields, in the order written here; both ends run the same version of Midge.
 */
final class HandoverCodec {
    static final byte REQUEST = 1;
    static final byte ANSWER = 2;
    static final byte DONE = 3;
    static final byte TAIL = 4;
    static final byte ROUTE = 5;
    static final byte MARK = 6;
    static final byte TAIL_STORED = 7;

    /** What the owner answers a request with. */
    static final byte NO_SESSION = 0;
    static final byte SESSION = 1;
    static final byte REFUSED = 2;

    private HandoverCodec() {
    }

    /**
     * One decoded message; the fields a kind does not use are null, false, 0 or empty. {@code reason} is also the node
     * a ROUTE names, {@code filters} its filters. A TAIL's {@code identities} are its deliveries' identities
     * ({@link MoveOrigins#identity}; empty for none), in the order of {@code tail}, and {@code routedBefore} per
     * node (named by its link's client identifier) the last forward identity it gave before it switched. A MARK's
     * {@code lastForwardId} is that of the node that sends it.
     */
    record Frame(byte kind, long requestId, String clientId, boolean flag, byte status, String reason,
                 RecoveredSession session, List<StoredDelivery> tail, List<String> filters, List<String> identities,
                 Map<String, Long> routedBefore, long lastForwardId) {
        Frame(byte kind, long requestId, String clientId, boolean flag, byte status, String reason,
              RecoveredSession session) {
            this(kind, requestId, clientId, flag, status, reason, session, List.of(), List.of(), List.of(), Map.of(),
                    0);
        }
    }

    static byte[] request(long requestId, String clientId, boolean cleanStart) {
        return write(out -> {
            out.writeByte(REQUEST);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeBoolean(cleanStart);
        });
    }

    static byte[] answer(long requestId, String clientId, byte status, String reason, RecoveredSession session) {
        return write(out -> {
            out.writeByte(ANSWER);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeByte(status);
            out.writeUTF(reason == null ? "" : reason);
            if (status == SESSION) {
                writeSession(out, session);
            }
        });
    }

    static byte[] done(long requestId, String clientId, boolean installed) {
        return write(out -> {
            out.writeByte(DONE);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeBoolean(installed);
        });
    }

    /**
     * A node asks every other node to route {@code filters} to {@code to} from now on, and to say when it does (a
     * mark behind what it routed to the asking node before): a session move, or {@link ForwardedBacklog} (its own
     * client identifier; {@code filters} may be empty).
     */
    static byte[] route(long requestId, String clientId, String to, List<String> filters) {
        return write(out -> {
            out.writeByte(ROUTE);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeUTF(to);
            out.writeInt(filters.size());
            for (String f : filters) {
                out.writeUTF(f);
            }
        });
    }

    /**
     * A node routes the filters of a ROUTE to the new owner now: what it routed before is ahead of this; {@code
     * lastForwardId} is the last {@code Message#forwardId} it gave before (read back as the frame's reason).
     */
    static byte[] mark(long requestId, String clientId, long lastForwardId) {
        return write(out -> {
            out.writeByte(MARK);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeLong(lastForwardId);
        });
    }

    /**
     * What reached the old owner during the move, each delivery with its identity (empty: none), and per node the
     * identity of the last message it routed before it switched ({@code routedBefore}): the new node drops copies of
     * those messages and of every earlier one of that node.
     */
    static byte[] tail(long requestId, String clientId, List<StoredDelivery> deliveries, List<String> identities,
                       Map<String, Long> routedBefore) {
        if (identities.size() != deliveries.size()) {
            throw new IllegalArgumentException("one identity per delivery");
        }
        return write(out -> {
            out.writeByte(TAIL);
            out.writeLong(requestId);
            out.writeUTF(clientId);
            out.writeInt(deliveries.size());
            for (int i = 0; i < deliveries.size(); i++) {
                writeDelivery(out, deliveries.get(i));
                out.writeUTF(identities.get(i));
            }
            out.writeInt(routedBefore.size());
            for (Map.Entry<String, Long> e : routedBefore.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        });
    }

    /**
     * The new owner stored the tail of move {@code requestId} (or holds it in memory, without a store): the old owner
     * may let go of it (see {@link PendingTails}).
     */
    static byte[] tailStored(long requestId, String clientId) {
        return write(out -> {
            out.writeByte(TAIL_STORED);
            out.writeLong(requestId);
            out.writeUTF(clientId);
        });
    }

    static Frame read(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte kind = in.readByte();
            long requestId = in.readLong();
            String clientId = in.readUTF();
            switch (kind) {
                case REQUEST, DONE -> {
                    return new Frame(kind, requestId, clientId, in.readBoolean(), (byte) 0, null, null);
                }
                case ANSWER -> {
                    byte status = in.readByte();
                    String reason = in.readUTF();
                    RecoveredSession session = status == SESSION ? readSession(in) : null;
                    return new Frame(kind, requestId, clientId, false, status, reason, session);
                }
                case ROUTE -> {
                    String to = in.readUTF();
                    int n = in.readInt();
                    List<String> filters = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        filters.add(in.readUTF());
                    }
                    return new Frame(kind, requestId, clientId, false, (byte) 0, to, null, List.of(), filters,
                            List.of(), Map.of(), 0);
                }
                case TAIL_STORED -> {
                    if (in.available() > 0) {
                        throw new IllegalArgumentException("a handover message saying a tail is stored has "
                                + in.available() + " bytes too many");
                    }
                    return new Frame(kind, requestId, clientId, false, (byte) 0, null, null);
                }
                case MARK -> {
                    return new Frame(kind, requestId, clientId, false, (byte) 0, null, null, List.of(), List.of(),
                            List.of(), Map.of(), in.readLong());
                }
                case TAIL -> {
                    int n = in.readInt();
                    List<StoredDelivery> tail = new ArrayList<>(n);
                    List<String> identities = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        tail.add(readDelivery(in));
                        identities.add(in.readUTF());
                    }
                    int nodes = in.readInt();
                    Map<String, Long> routedBefore = new HashMap<>();
                    for (int i = 0; i < nodes; i++) {
                        routedBefore.put(in.readUTF(), in.readLong());
                    }
                    return new Frame(kind, requestId, clientId, false, (byte) 0, null, null, tail, List.of(),
                            identities, routedBefore, 0);
                }
                default -> throw new IllegalArgumentException("unknown handover message kind " + kind);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("a truncated handover message: " + e, e);
        }
    }

    // ------------------------------------------------------------------ a session

    private static void writeSession(DataOutputStream out, RecoveredSession s) throws IOException {
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

    private static RecoveredSession readSession(DataInputStream in) throws IOException {
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

    private static void writeDelivery(DataOutputStream out, StoredDelivery d) throws IOException {
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

    private static StoredDelivery readDelivery(DataInputStream in) throws IOException {
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

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }
}
