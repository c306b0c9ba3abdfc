package io.midge.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How large a buffer each read of a connection gets: a power of two from 64 B to 64 KiB, 2 KiB at first, four times
 * larger after a read that filled its buffer (a publisher in full flow) and half as large after two reads in a row
 * that used at most half of it (an idle device's PINGREQ). One instance for all connections; each connection's state
 * is two small fields of its handle. Netty's AdaptiveRecvByteBufAllocator sizes reads much the same way, but keeps
 * that state in an object of its own beside the handle (and the allocator per channel unless shared): 72 bytes more
 * for every connection. Every connection makes one handle, so it is kept small too (see {@link Sizing}).
 */
final class ReceiveBuffers implements RecvByteBufAllocator {
    static final int MIN_SHIFT = 6;
    static final int INITIAL_SHIFT = 11;
    static final int MAX_SHIFT = 16;
    /** Reads per readiness event at most, as Netty gives stream channels by default. */
    static final int MAX_READS_PER_EVENT = 16;

    @Override
    public Handle newHandle() {
        return new Sizing();
    }

    /**
     * One connection's reads: what Netty's {@code MaxMessageHandle} keeps, less its per-handle supplier object and
     * its copies of the allocator's settings (32 bytes on JDK 17 instead of 72). Like it, a read event goes on while
     * auto-read is on, the last read filled its buffer, fewer than {@value #MAX_READS_PER_EVENT} reads were made and
     * the socket gave bytes.
     */
    static final class Sizing implements RecvByteBufAllocator.ExtendedHandle {
        private ChannelConfig config;
        private int totalBytesRead;
        private int attemptedBytesRead;
        private int lastBytesRead;
        private byte reads;
        private byte shift = INITIAL_SHIFT;
        /** The last read used at most half of its buffer. */
        private boolean smallBefore;

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return 1 << shift;
        }

        @Override
        public void reset(ChannelConfig config) {
            this.config = config;
            reads = 0;
            totalBytesRead = 0;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            reads = (byte) Math.min(reads + numMessages, MAX_READS_PER_EVENT);
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes == attemptedBytesRead) {
                record(bytes); // filled: the next read of this batch gets more room already
            }
            lastBytesRead = bytes;
            if (bytes > 0) {
                totalBytesRead += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return lastBytesRead;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            attemptedBytesRead = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return attemptedBytesRead;
        }

        @Override
        public boolean continueReading() {
            return mayContinue() && attemptedBytesRead == lastBytesRead;
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreData) {
            return mayContinue() && maybeMoreData.get();
        }

        private boolean mayContinue() {
            return config.isAutoRead() && reads < MAX_READS_PER_EVENT && totalBytesRead > 0;
        }

        @Override
        public void readComplete() {
            record(totalBytesRead < 0 ? Integer.MAX_VALUE : totalBytesRead);
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
