package io.midge.broker.transport;

import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;

/**
 * How large a buffer each read of a connection gets: a power of two from 64 B to 64 KiB, 2 KiB at first, four times
 * larger after a read that filled its buffer (a publisher in full flow) and half as large after two reads in a row
 * that used at most half of it (an idle device's PINGREQ). One instance for all connections; each connection's state
 * is two small fields of its handle. Netty's AdaptiveRecvByteBufAllocator sizes reads much the same way, but keeps
 * that state in an object of its own beside the handle (and the allocator per channel unless shared): 72 bytes more
 * for every connection.
 */
final class ReceiveBuffers extends DefaultMaxMessagesRecvByteBufAllocator {
    static final int MIN_SHIFT = 6;
    static final int INITIAL_SHIFT = 11;
    static final int MAX_SHIFT = 16;
    /** Reads per readiness event at most, as Netty gives stream channels by default. */
    static final int MAX_READS_PER_EVENT = 16;

    ReceiveBuffers() {
        super(MAX_READS_PER_EVENT);
    }

    @Override
    public Handle newHandle() {
        return new Sizing();
    }

    /** One connection's reads. */
    final class Sizing extends MaxMessageHandle {
        private byte shift = INITIAL_SHIFT;
        /** The last read used at most half of its buffer. */
        private boolean smallBefore;

        @Override
        public int guess() {
            return 1 << shift;
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes == attemptedBytesRead()) {
                record(bytes); // filled: the next read of this batch gets more room already
            }
            super.lastBytesRead(bytes);
        }

        @Override
        public void readComplete() {
            record(totalBytesRead());
        }

        void record(int bytes) {
            int size = 1 << shift;
            if (bytes >= size) {
                shift = (byte) Math.min(shift + 2, MAX_SHIFT);
                smallBefore = false;
            } else if (bytes <= size / 2) {
                if (smallBefore) {
                    shift = (byte) Math.max(shift - 1, MIN_SHIFT);
                }
                smallBefore = !smallBefore;
            } else {
                smallBefore = false;
            }
        }
    }
}
