package io.midge.broker.session;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.LongAdder;

/**
 * Gives a delivery that a session holds for longer than a moment a payload buffer of its own size.
 *
 * <p>Why: a published payload is a slice of the read buffer it arrived in (up to 64 KiB, shared with the other
 * messages of that read), and a slice keeps its whole buffer alive. A message delivered at once lets go of it within
 * the read; one that waits in a slow or offline client's queue would hold the whole buffer for as long as it waits,
 * so a queue bounded at 1 MiB of payloads could hold many times that in read buffers (a client subscribed to one
 * message in fifty held fifty times its bound). Copied, a waiting message holds what its queue counts. Only what
 * waits is copied: a message that goes out in the drain it arrived in costs nothing more.
 *
 * <p>A payload that is a buffer of its own already (a restored, retained or copied one), or at least half of the
 * buffer it is a slice of (a large message, which is most of its read), is left as it is: copying it would gain
 * little.
 */
final class OwnPayload {
    private OwnPayload() {
    }

    /** Whether the delivery's payload is a slice of a buffer more than twice its size. */
    static boolean pinsMore(Delivery d) {
        ByteBuf payload = d.message().payload();
        // To the buffer that holds the memory: a slice's parent, under any wrappers (the leak detector's).
        ByteBuf root = payload;
        for (ByteBuf b = root.unwrap(); b != null; b = b.unwrap()) {
            root = b;
        }
        return root.capacity() > 2L * payload.readableBytes();
    }

    /**
     * The delivery itself when {@link #pinsMore} is false, else the same delivery with its payload copied into a
     * buffer of its own size: the delivery's reference to the old payload is released, the copy's is the caller's.
     * Copies are counted in {@code copies}.
     */
    static Delivery of(Delivery d, LongAdder copies) {
        if (!pinsMore(d)) {
            return d;
        }
        copies.increment();
        Message m = d.message();
        ByteBuf slice = m.payload();
        int size = slice.readableBytes();
        ByteBuf copy;
        if (size == 0) {
            copy = Unpooled.EMPTY_BUFFER;
        } else {
            copy = slice.isDirect() ? slice.alloc().directBuffer(size, size) : slice.alloc().heapBuffer(size, size);
            copy.writeBytes(slice, slice.readerIndex(), size);
        }
        slice.release();
        Message own = new Message(m.topic(), m.qos(), m.retain(), copy, m.properties(), m.expiryDeadline(),
                m.publisherId(), m.forwardId());
        return d.withMessage(own);
    }
}
