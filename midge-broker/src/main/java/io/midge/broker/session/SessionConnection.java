package io.midge.broker.session;

import io.midge.broker.routing.Delivery;

/**
 * What a session needs of the connection it is attached to. The protocol layer implements it: it turns deliveries
 * into PUBLISH packets (topic aliases, properties, size checks), so that nothing below it sees a packet. Called only
 * on the connection's event loop, which is then the session's.
 */
public interface SessionConnection {
    /** Whether the socket takes more without growing its outbound buffer; when not, the session queues. */
    boolean isWritable();

    /**
     * Writes a PUBLISH for the delivery (without flushing) and takes over the delivery's payload reference, whether
     * it sends it or not: returns false, having released that reference, when the delivery was not sent because it
     * is larger than the client's Maximum Packet Size.
     */
    boolean sendPublish(Delivery delivery, int packetId, boolean dup);

    void sendPubRel(int packetId);

    /**
     * Whether the client may receive a message on this topic now (its ACL read right): checked just before a
     * message is sent, so that retained messages, wills and rules narrowed by a reload are obeyed too.
     */
    boolean mayReceive(String topic);

    /** How many QoS 1/2 publishes may be unacknowledged towards the client (its Receive Maximum, our cap). */
    int sendQuota();

    void flush();

    /** Closes the connection because another one took over the session (DISCONNECT 0x8E in 5.0). */
    void takenOver();
}
