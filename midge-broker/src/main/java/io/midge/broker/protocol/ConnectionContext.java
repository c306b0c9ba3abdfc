package io.midge.broker.protocol;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.routing.Message;
import io.midge.broker.session.Session;
import io.midge.codec.alias.InboundTopicAliases;
import io.midge.codec.alias.OutboundTopicAliases;
import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the parts of one connection share: its channel, the broker, who the client is and what it negotiated at
 * CONNECT, and the writing of packets. Everything here lives on the connection's event loop, so nothing is locked.
 */
final class ConnectionContext {
    /** Where the connection is in its life; packets are taken or refused by it. */
    enum State { AWAITING_CONNECT, AUTHENTICATING, CONNECTING, CONNECTED, CLOSED }

    /** Also the configuration and the ACL: {@code broker.config()} and {@code broker.authorizer()}. */
    final BrokerContext broker;
    /** The listener this client came in through: its transport and who it lets in. */
    final ListenerConfig listener;
    final MqttFrameDecoder frameDecoder;
    /** Whether the bytes written are the socket's (plain TCP), counted here; else a handler in front counts them. */
    private final boolean countsSocketBytes;
    ChannelHandlerContext ctx;
    State state = State.AWAITING_CONNECT;
    /** Why reading is paused; made at the first pause (see {@link #reads}): most connections never pause. */
    private ReadPauses reads;

    // Set by CONNECT.
    MqttVersion version;
    /** The rules of the client's protocol version; null before CONNECT. */
    MqttDialect dialect;
    String clientId;
    /** The user name the client authenticated as (CONNECT's, or the enhanced method's); null when anonymous. */
    String username;
    Session session;
    long sessionExpiry;
    boolean problemInformation = true;
    int clientReceiveMaximum = 65535;
    int clientMaximumPacketSize = MqttDecoder.MAX_PACKET_SIZE;
    InboundTopicAliases inboundAliases;
    OutboundTopicAliases outboundAliases;

    /** The will, owned (its payload reference too) until it is handed to the session registry or dropped. */
    Message will;
    long willDelaySeconds;
    /** DISCONNECT without "with will": the will is discarded (MQTT-3.14.4-3). */
    boolean disconnectedNormally;

    private boolean needsFlush;
    private boolean flushScheduled;
    /**
     * The packets written since the last hand-over to the channel, encoded one after another into one buffer: a read
     * of many acknowledgements, or a drain of many small PUBLISHes, costs the channel one buffer, not one each (its
     * allocation, its outbound entry and pending-bytes count, its release). Handed over at every flush and whenever it
     * reaches {@link #GATHER_LIMIT}, so that the channel's writability still follows what was written; null while
     * nothing waits.
     */
    private ByteBuf gathered;
    /** Bytes gathered at most before they are handed to the channel. */
    static final int GATHER_LIMIT = 16 * 1024;
    private static final int GATHER_INITIAL = 1024;
    /**
     * A read of this connection is being handled: from its first packet to the end of the read, which flushes. What
     * the session writes meanwhile (a PUBREL for a PUBREC, the next PUBLISH for a PUBACK) waits for that flush, so
     * that a read of many acknowledgements costs one socket write, not one each.
     */
    boolean inRead;

    // The management API's figures of this connection (see ClientConnection): set once the session is open, and
    // counters bumped on this loop where the broker-wide counters are: 4 longs, 2 ints and a boolean (40 bytes
    // more per connection), no object.
    int keepAlive;
    boolean cleanStart;
    /** Seconds since the epoch, unsigned (an int lasts until 2106): a second is all the API shows. */
    int connectedSinceSeconds;
    private long messagesIn;
    private long messagesOut;
    private long bytesIn;
    private long bytesOut;
    private static final VarHandle MESSAGES_IN = field("messagesIn");
    private static final VarHandle MESSAGES_OUT = field("messagesOut");
    private static final VarHandle BYTES_IN = field("bytesIn");
    private static final VarHandle BYTES_OUT = field("bytesOut");

    ConnectionContext(BrokerContext broker, ListenerConfig listener, MqttFrameDecoder frameDecoder) {
        this.broker = broker;
        this.listener = listener;
        this.frameDecoder = frameDecoder;
        this.countsSocketBytes = listener.transport().isPlain();
    }

    /**
     * The way to end this connection (see {@link Disconnector}). It keeps no state of its own, so one is made when a
     * connection ends instead of one kept by every connection.
     */
    Disconnector disconnector() {
        return new Disconnector(this);
    }

    /** The reasons reading is paused, made at the first pause. */
    ReadPauses reads() {
        if (reads == null) {
            reads = new ReadPauses(ctx.channel());
        }
        return reads;
    }

    /** Whether reading was paused since the last time this was asked (see {@link ReadPauses#pausedSinceLastAsked}). */
    boolean readsPausedSinceLastAsked() {
        return reads != null && reads.pausedSinceLastAsked();
    }

    /** Sets the client's protocol version, for reading and writing and for the rules that differ. */
    void setVersion(MqttVersion v) {
        version = v;
        dialect = MqttDialect.of(v);
    }

    /** Writes a packet, flushed at the end of the read (or by {@link #flushLater}). */
    void write(MqttPacket packet) {
        send(packet);
        needsFlush = true;
    }

    /**
     * Writes a packet without flushing: appended to the gathered bytes (see {@link #gathered}), or, a PUBLISH whose
     * payload the encoder shares rather than copies (or any packet once the connection is closed), written on its own
     * after them. A PUBLISH hands its payload reference over.
     */
    void send(MqttPacket packet) {
        // Closed: nothing would hand gathered bytes over any more; the channel itself lets go of a late write.
        if (MqttEncoder.sharesPayload(packet) || state == State.CLOSED) {
            handOver();
            ctx.write(encode(packet), ctx.voidPromise());
            return;
        }
        if (gathered == null) {
            gathered = ctx.alloc().ioBuffer(GATHER_INITIAL);
        }
        int size;
        try {
            size = MqttEncoder.encodeInto(gathered, packet, version == null ? MqttVersion.MQTT_3_1_1 : version);
        } finally {
            if (packet instanceof Publish publish) {
                publish.release();
            }
        }
        countBytesSent(size);
        if (gathered.readableBytes() >= GATHER_LIMIT) {
            handOver();
        }
    }

    /** Hands the gathered packets to the channel (not flushed): before a packet written past them, and at a flush. */
    void handOver() {
        ByteBuf bytes = gathered;
        if (bytes != null) {
            gathered = null;
            ctx.write(bytes, ctx.voidPromise());
        }
    }

    /** Hands the gathered packets over and flushes the channel now. */
    void flushNow() {
        handOver();
        ctx.flush();
    }

    /** Lets go of what was gathered and never handed over: the connection closed first. */
    void dropGathered() {
        ByteBuf bytes = gathered;
        if (bytes != null) {
            gathered = null;
            bytes.release();
        }
    }

    /**
     * The packet in the client's protocol version (before CONNECT tells it, refusals go out in the 3.1.1 form). A
     * PUBLISH hands its payload reference over: released once its bytes (which share a large payload) are made.
     * Encoding here rather than in an encoder handler spares every connection a pipeline context.
     */
    ByteBuf encode(MqttPacket packet) {
        ByteBuf encoded;
        try {
            encoded = MqttEncoder.encode(ctx.alloc(), packet, version == null ? MqttVersion.MQTT_3_1_1 : version);
        } finally {
            if (packet instanceof Publish publish) {
                publish.release();
            }
        }
        countBytesSent(encoded.readableBytes());
        return encoded;
    }

    private void countBytesSent(int n) {
        if (countsSocketBytes) {
            broker.metrics().bytesSent.add(n);
            countBytesOut(n);
        }
    }

    /**
     * Flushes what was written: at the end of the read when one is being handled (see {@link #inRead}), else now.
     * A task flushes too (one per read at most, and it finds nothing to do when the end of the read came first), so
     * that nothing waits if a handler in front holds the end of a read back (a FlowControlHandler does while packets
     * wait in it) or hands a packet on outside a read.
     */
    void flush() {
        if (inRead) {
            needsFlush = true;
            flushLater();
        } else {
            needsFlush = false;
            flushNow();
        }
    }

    /** Flushes what the packets written since the last flush; the end of every read calls it. */
    void flushIfWritten() {
        if (needsFlush) {
            needsFlush = false;
            flushNow();
        }
    }

    /**
     * Flushes once the loop is done with what it is running: a store commit completes many of this client's writes
     * in one task, and their acknowledgements then leave in one flush, not one each.
     */
    void flushLater() {
        if (needsFlush && !flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                flushIfWritten();
            });
        }
    }

    /**
     * Runs {@code then} (with the write's failure, or null) once a store write completed. A write that is done
     * already (in memory, always) runs it right here, inside the read, whose end flushes what it wrote; a pending
     * one runs it on this loop later, outside any read, so it flushes itself.
     */
    void whenStored(CompletableFuture<Void> write, Consumer<Throwable> then) {
        if (write.isDone()) {
            then.accept(write.handle((v, e) -> e).join());
            return;
        }
        write.whenComplete((v, e) -> {
            then.accept(e);
            flushLater();
        });
    }

    /** Whether the packet fits the client's Maximum Packet Size (MQTT-3.1.2-24). */
    boolean fits(MqttPacket packet) {
        return clientMaximumPacketSize >= MqttDecoder.MAX_PACKET_SIZE
                || MqttEncoder.encodedSize(packet, version) <= clientMaximumPacketSize;
    }

    // Opaque stores and loads: whole values for a reader on another thread (a plain long may tear, JLS 17.7), at
    // the cost of a plain store on the loop; the single writer makes get-then-set an exact count.

    void countMessageIn() {
        MESSAGES_IN.setOpaque(this, (long) MESSAGES_IN.getOpaque(this) + 1);
    }

    void countMessageOut() {
        MESSAGES_OUT.setOpaque(this, (long) MESSAGES_OUT.getOpaque(this) + 1);
    }

    void countBytesIn(long n) {
        BYTES_IN.setOpaque(this, (long) BYTES_IN.getOpaque(this) + n);
    }

    void countBytesOut(long n) {
        BYTES_OUT.setOpaque(this, (long) BYTES_OUT.getOpaque(this) + n);
    }

    long messagesIn() {
        return (long) MESSAGES_IN.getOpaque(this);
    }

    long messagesOut() {
        return (long) MESSAGES_OUT.getOpaque(this);
    }

    long bytesIn() {
        return (long) BYTES_IN.getOpaque(this);
    }

    long bytesOut() {
        return (long) BYTES_OUT.getOpaque(this);
    }

    private static VarHandle field(String name) {
        try {
            return MethodHandles.lookup().findVarHandle(ConnectionContext.class, name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Lets go of the will: the client will not need it. */
    void releaseWill() {
        if (will != null) {
            will.payload().release();
            will = null;
        }
    }
}
