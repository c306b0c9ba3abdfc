package io.midge.broker.session;

import io.midge.broker.routing.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection for session unit tests: records what the session writes, and plays the protocol layer's part in the
 * payload references (a PUBLISH written, or refused as too large, releases the reference it was given).
 */
final class FakeConnection implements SessionConnection {
    /** A PUBLISH written to the client. */
    record Sent(int packetId, boolean dup, int qos, String payload) {
    }

    final List<Sent> published = new ArrayList<>();
    final List<Integer> pubRels = new ArrayList<>();
    int flushes;
    boolean writable = true;
    int sendQuota = 10;
    /** Payloads larger than this are refused, as by the client's Maximum Packet Size. */
    int maxPayload = Integer.MAX_VALUE;
    String deniedTopic;
    boolean takenOver;

    FakeConnection() {
    }

    FakeConnection(int sendQuota) {
        this.sendQuota = sendQuota;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public boolean sendPublish(Delivery delivery, int packetId, boolean dup) {
        if (delivery.message().payloadSize() > maxPayload) {
            delivery.release();
            return false;
        }
        String payload = delivery.message().payload().toString(StandardCharsets.UTF_8);
        delivery.release(); // written: the wire had this reference
        published.add(new Sent(packetId, dup, delivery.qos(), payload));
        return true;
    }

    @Override
    public void sendPubRel(int packetId) {
        pubRels.add(packetId);
    }

    @Override
    public boolean mayReceive(String topic) {
        return !topic.equals(deniedTopic);
    }

    @Override
    public int sendQuota() {
        return sendQuota;
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void takenOver() {
        takenOver = true;
    }

    List<String> payloads() {
        return published.stream().map(Sent::payload).toList();
    }

    List<Integer> packetIds() {
        return published.stream().map(Sent::packetId).toList();
    }
}
