package io.midge.broker.cluster;

import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of the session handover messages nodes send each other on their links ({@link SessionHandover}): a
 * request for a client's session, the answer (nothing, a refusal, or the whole session), the new owner's word that
 * it has it (or not), the messages that reached the old owner before it cut the session loose, the old owner's request
 * to every node to route the session's filters to the new owner, and each node's mark that it does (sent through its
 * forwarding queue, behind what it routed before), and the new owner's word that it stored a tail; besides the
 * handover, a node's new routes and each node's word that it routes them ({@link RouteAnnouncer}). Plain
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
    static final byte ROUTES = 8;
    static final byte ROUTED = 9;

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
                SessionCodec.writeSession(out, session);
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
                SessionCodec.writeDelivery(out, deliveries.get(i));
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

    /**
     * A node's new routes: the other node is to forward what matches {@code filters} to it from now on, {@code
     * durable} as the route is (read back as the frame's flag), and to say so ({@link #routed}) once it does.
     */
    static byte[] routes(long requestId, List<String> filters, boolean durable) {
        return write(out -> {
            out.writeByte(ROUTES);
            out.writeLong(requestId);
            out.writeUTF("");
            out.writeBoolean(durable);
            out.writeInt(filters.size());
            for (String f : filters) {
                out.writeUTF(f);
            }
        });
    }

    /** A node forwards the filters of ROUTES {@code requestId} to the node that sent it. */
    static byte[] routed(long requestId) {
        return write(out -> {
            out.writeByte(ROUTED);
            out.writeLong(requestId);
            out.writeUTF("");
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
                    RecoveredSession session = status == SESSION ? SessionCodec.readSession(in) : null;
                    return new Frame(kind, requestId, clientId, false, status, reason, session);
                }
                case ROUTES -> {
                    boolean durable = in.readBoolean();
                    return new Frame(kind, requestId, clientId, durable, (byte) 0, null, null, List.of(),
                            readFilters(in), List.of(), Map.of(), 0);
                }
                case ROUTED -> {
                    return new Frame(kind, requestId, clientId, false, (byte) 0, null, null);
                }
                case ROUTE -> {
                    String to = in.readUTF();
                    return new Frame(kind, requestId, clientId, false, (byte) 0, to, null, List.of(), readFilters(in),
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
                        tail.add(SessionCodec.readDelivery(in));
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

    private static List<String> readFilters(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> filters = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            filters.add(in.readUTF());
        }
        return filters;
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
