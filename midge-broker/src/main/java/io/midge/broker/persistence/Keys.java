package io.midge.broker.persistence;

import java.nio.charset.StandardCharsets;

/**
 * The key layout: one RocksDB key space, ordered bytewise, with a one-byte area in front.
 *
 * <pre>
 * 'C' len:u16 clientId 0x01                  -> session (protocol version, expiry interval, disconnected at)
 * 'C' len:u16 clientId 0x02 filter           -> subscription options
 * 'C' len:u16 clientId 0x03 sequence:u64     -> queued delivery
 * 'C' len:u16 clientId 0x03 sequence:u64 0x01 -> that delivery is sent (state, packet identifier)
 * 'C' len:u16 clientId 0x04 packetId:u16     -> outbound in flight (state, sequence of its queued delivery)
 * 'C' len:u16 clientId 0x05 packetId:u16     -> inbound QoS 2 awaiting PUBREL (no value)
 * 'C' len:u16 clientId 0x06                  -> copies a session moved here drops, tails it holds (cluster)
 * 'M' "format"                               -> format version of the store
 * 'R' topic                                  -> retained message
 * 'W' clientId                               -> delayed will (publish deadline, message)
 * </pre>
 *
 * Why this shape: everything of one client sits under one prefix, so ending a session is a single range delete,
 * and restoring is one sequential scan in which a session's record comes first and its subscriptions, queue (in
 * sequence order, big-endian) and in-flight entries follow right behind it. The length in front of the client
 * identifier keeps prefixes apart: "ab" can never be a prefix of "abc"'s keys. A sent delivery's record sits right
 * behind its queued delivery (from format 2 on): the removal of a run of acknowledged deliveries, one range, takes
 * their sent records along, and RocksDB's memtable inserts it next to the entries written just before it instead of
 * in a far region of packet identifiers. Only a QoS 2 delivery whose PUBREC came keeps an 0x04 record: its queued
 * delivery is gone by then. Wills live in an area of their own because a will outlives its session: when a session
 * expires, its will is still to be published.
 */
final class Keys {
    static final byte CLIENT = 'C';
    static final byte META = 'M';
    static final byte RETAINED = 'R';
    static final byte WILL = 'W';

    static final byte SESSION = 0x01;
    static final byte SUBSCRIPTION = 0x02;
    static final byte QUEUED = 0x03;
    static final byte INFLIGHT = 0x04;
    static final byte INBOUND_QOS2 = 0x05;
    static final byte MOVED_COPIES = 0x06;
    /** After a queued delivery's key: the key of the record that it was sent. */
    static final byte SENT = 0x01;
    /** Above every record type: the exclusive end of a client's range. */
    private static final byte CLIENT_END = (byte) 0xFF;

    static final byte[] FORMAT = {META, 'f', 'o', 'r', 'm', 'a', 't'};

    private Keys() {
    }

    static byte[] session(String clientId) {
        return client(clientId, SESSION, 0).toByteArray();
    }

    static byte[] subscription(String clientId, String filter) {
        byte[] utf8 = filter.getBytes(StandardCharsets.UTF_8);
        return client(clientId, SUBSCRIPTION, utf8.length).writeRaw(utf8).toByteArray();
    }

    static byte[] queued(String clientId, long sequence) {
        byte[] utf8 = utf8ClientId(clientId);
        byte[] key = new byte[queuedLength(utf8)];
        writeQueued(utf8, sequence, key, 0);
        return key;
    }

    /** The length of a queued delivery's key, for the client identifier in UTF-8 (see {@link #utf8ClientId}). */
    static int queuedLength(byte[] clientIdUtf8) {
        return 3 + clientIdUtf8.length + 1 + 8;
    }

    /**
     * Writes {@link #queued}'s key into {@code into} at {@code at}, and returns where it ends: the store's batch
     * encodes every queued delivery in place, with the client's identifier encoded once per batch.
     */
    static int writeQueued(byte[] clientIdUtf8, long sequence, byte[] into, int at) {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must not be negative: " + sequence);
        }
        into[at++] = CLIENT;
        into[at++] = (byte) (clientIdUtf8.length >>> 8);
        into[at++] = (byte) clientIdUtf8.length;
        System.arraycopy(clientIdUtf8, 0, into, at, clientIdUtf8.length);
        at += clientIdUtf8.length;
        into[at++] = QUEUED;
        for (int shift = 56; shift >= 0; shift -= 8) {
            into[at++] = (byte) (sequence >>> shift);
        }
        return at;
    }

    /** The key of the record that the queued delivery {@code sequence} was sent: its key and {@link #SENT}. */
    static byte[] sent(String clientId, long sequence) {
        byte[] utf8 = utf8ClientId(clientId);
        int length = queuedLength(utf8);
        byte[] key = new byte[length + 1];
        writeQueued(utf8, sequence, key, 0);
        key[length] = SENT;
        return key;
    }

    /** Whether a key of the queued area (after {@link #clientPrefixLength}) is a sent record, not a delivery. */
    static boolean isSent(byte[] key, int prefixLength) {
        return key.length == prefixLength + 1 + 8 + 1 && key[key.length - 1] == SENT;
    }

    /** A client identifier in UTF-8, as every client key holds it; at most 65535 bytes. */
    static byte[] utf8ClientId(String clientId) {
        byte[] utf8 = clientId.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0xFFFF) {
            throw new IllegalArgumentException("client identifier longer than 65535 bytes");
        }
        return utf8;
    }

    static byte[] inflight(String clientId, int packetId) {
        return client(clientId, INFLIGHT, 2).writeShort(checkPacketId(packetId)).toByteArray();
    }

    static byte[] inboundQos2(String clientId, int packetId) {
        return client(clientId, INBOUND_QOS2, 2).writeShort(checkPacketId(packetId)).toByteArray();
    }

    static byte[] movedCopies(String clientId) {
        return client(clientId, MOVED_COPIES, 0).toByteArray();
    }

    /** The first key of a client's range (inclusive). */
    static byte[] clientStart(String clientId) {
        return clientPrefix(clientId, 0).toByteArray();
    }

    /** The end of a client's range (exclusive): its prefix followed by a byte above every record type. */
    static byte[] clientEnd(String clientId) {
        return clientPrefix(clientId, 1).writeByte(CLIENT_END).toByteArray();
    }

    static byte[] retained(String topic) {
        return area(RETAINED, topic);
    }

    static byte[] will(String clientId) {
        return area(WILL, clientId);
    }

    private static byte[] area(byte area, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return new ByteWriter(1 + utf8.length).writeByte(area).writeRaw(utf8).toByteArray();
    }

    private static ByteWriter client(String clientId, byte type, int suffixLength) {
        return clientPrefix(clientId, 1 + suffixLength).writeByte(type);
    }

    private static ByteWriter clientPrefix(String clientId, int extra) {
        byte[] utf8 = utf8ClientId(clientId);
        return new ByteWriter(3 + utf8.length + extra).writeByte(CLIENT).writeShort(utf8.length).writeRaw(utf8);
    }

    static int checkPacketId(int packetId) {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier must be 1-65535: " + packetId);
        }
        return packetId;
    }

    /** The length of a client key's prefix ('C', length, identifier): where its record type byte is. */
    static int clientPrefixLength(byte[] key) {
        if (key.length < 4 || key[0] != CLIENT) {
            throw new IllegalStateException("not a client key");
        }
        int length = ((key[1] & 0xFF) << 8) | (key[2] & 0xFF);
        if (3 + length >= key.length) {
            throw new IllegalStateException("client key ends early");
        }
        return 3 + length;
    }

    static String clientIdOf(byte[] key, int prefixLength) {
        return new String(key, 3, prefixLength - 3, StandardCharsets.UTF_8);
    }

    /** The text after the area byte of an 'R' or 'W' key. */
    static String textAfterArea(byte[] key) {
        return new String(key, 1, key.length - 1, StandardCharsets.UTF_8);
    }

    /** The text after a client key's record type byte (a subscription's filter). */
    static String textAfterType(byte[] key, int prefixLength) {
        return new String(key, prefixLength + 1, key.length - prefixLength - 1, StandardCharsets.UTF_8);
    }

    static ByteReader suffixOf(byte[] key, int prefixLength) {
        return new ByteReader(key, prefixLength + 1);
    }
}
