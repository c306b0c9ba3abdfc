package io.midge.benchmarks;

import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One publisher of numbered messages on one topic: message n carries n in its first 8 bytes, so that every receiver
 * can tell what it missed and what it got twice ({@link SequenceCheck}). A publish that fails is remembered, so that
 * its number is not held against the receivers.
 */
final class SoakStream {
    /** Publishes a publisher may have unacknowledged; past it ticks are skipped and counted as stalled. */
    private static final int MAX_OUTSTANDING = 200;

    private final String topic;
    private final int qos;
    private final int payloadBytes;
    private final MidgeClient client;
    private final SoakCounters counters;
    private final AtomicLong next = new AtomicLong();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Set<Long> failed = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    SoakStream(String topic, int qos, int payloadBytes, MidgeClient client, SoakCounters counters) {
        this.topic = topic;
        this.qos = qos;
        this.payloadBytes = payloadBytes;
        this.client = client;
        this.counters = counters;
    }

    String topic() {
        return topic;
    }

    int qos() {
        return qos;
    }

    /** Publishes the next message, unless stopped or too far behind. Does not block. */
    void tick() {
        if (stopped) {
            return;
        }
        if (outstanding.get() >= MAX_OUTSTANDING) {
            counters.stalled.increment();
            return;
        }
        long seq = next.getAndIncrement();
        byte[] payload = new byte[payloadBytes];
        ByteBuffer.wrap(payload).putLong(seq);
        outstanding.incrementAndGet();
        client.publish(OutgoingMessage.of(topic, payload, qos)).whenComplete((r, e) -> {
            outstanding.decrementAndGet();
            if (e == null) {
                counters.published.increment();
            } else {
                failed.add(seq);
                counters.error("publish " + topic + " #" + seq, e);
            }
        });
    }

    /** No more publishes from now on. */
    void stop() {
        stopped = true;
    }

    /** Whether every publish made has completed (acknowledged, or failed). */
    boolean settled() {
        return outstanding.get() == 0;
    }

    /** How many numbers were handed out: messages 0 to sent() - 1 were published or failed. */
    long sent() {
        return next.get();
    }

    /** Whether publishing message {@code seq} failed (so no receiver can be blamed for missing it). */
    boolean failed(long seq) {
        return failed.contains(seq);
    }

    /** The sequence number a payload carries. */
    static long sequenceOf(byte[] payload) {
        return payload.length < 8 ? -1 : ByteBuffer.wrap(payload).getLong();
    }
}
