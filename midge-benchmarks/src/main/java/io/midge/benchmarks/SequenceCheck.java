package io.midge.benchmarks;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one receiver got of one {@link SoakStream}: every number below {@code next} has arrived (or was given up as
 * lost); numbers above it that arrived early wait in {@code ahead} with their arrival time. A gap counts as lost once
 * the message after it has waited longer than the grace (MQTT delivers a topic's messages in order, so a gap that
 * old is not a message overtaken); a number seen again counts as a duplicate. At the end, what the stream published
 * and the receiver never got counts as lost too. Messages whose publish failed are not held against the receiver.
 */
final class SequenceCheck {
    private final SoakStream stream;
    private final LongAdder lost;
    private final LongAdder duplicated;
    private final LongAdder received;
    private long next;
    private final TreeMap<Long, Long> ahead = new TreeMap<>();

    /**
     * @param lost       where losses count (a violation for QoS 1/2, allowed for QoS 0)
     * @param duplicated where duplicates count (a violation for QoS 2, allowed for QoS 1)
     */
    SequenceCheck(SoakStream stream, LongAdder lost, LongAdder duplicated, LongAdder received) {
        this.stream = stream;
        this.lost = lost;
        this.duplicated = duplicated;
        this.received = received;
    }

    SoakStream stream() {
        return stream;
    }

    /** Message {@code seq} arrived (on the receiving client's event loop). */
    synchronized void received(long seq) {
        received.increment();
        if (seq < 0 || seq < next || ahead.containsKey(seq)) {
            duplicated.increment();
            return;
        }
        if (seq > next) {
            ahead.put(seq, System.nanoTime());
            return;
        }
        next++;
        advance();
    }

    /** Gives up on the gaps before messages that arrived more than {@code graceNanos} ago: they count as lost. */
    synchronized void sweep(long graceNanos) {
        long now = System.nanoTime();
        while (!ahead.isEmpty()) {
            Map.Entry<Long, Long> first = ahead.firstEntry();
            if (now - first.getValue() < graceNanos) {
                return;
            }
            countLost(next, first.getKey());
            ahead.pollFirstEntry();
            next = first.getKey() + 1;
            advance();
        }
    }

    /** Whether every message the stream published (less the failed ones) has arrived. */
    synchronized boolean complete() {
        long end = stream.sent();
        for (long s = next; s < end; s++) {
            if (!ahead.containsKey(s) && !stream.failed(s)) {
                return false;
            }
        }
        return true;
    }

    /** At the end: what the stream published and never arrived counts as lost. */
    synchronized void finish() {
        long end = stream.sent();
        for (long s = next; s < end; s++) {
            if (!ahead.containsKey(s) && !stream.failed(s)) {
                lost.increment();
            }
        }
        next = Math.max(next, end);
        ahead.headMap(next).clear();
    }

    private void advance() {
        while (!ahead.isEmpty() && ahead.firstKey() == next) {
            ahead.pollFirstEntry();
            next++;
        }
    }

    private void countLost(long from, long to) {
        for (long s = from; s < to; s++) {
            if (!stream.failed(s)) {
                lost.increment();
            }
        }
    }
}
