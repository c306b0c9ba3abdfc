package io.midge.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * What the broker has sent on one socket and the test has not taken yet, and reads of more with a deadline. The raw
 * client's packet view and byte view both take from this one buffer, so a test may mix them on a connection.
 *
 * <p>The buffer is unpooled heap memory, which Netty's leak detector does not track and the garbage collector frees.
 */
final class ReceivedBytes {
    /** What one {@link #readMore} saw. */
    enum Outcome {
        /** At least one byte arrived and was appended to the buffer. */
        READ,
        /** Nothing arrived before the deadline; the connection is still open. */
        TIMED_OUT,
        /** The broker closed the connection (end of stream). */
        CLOSED
    }

    private final Socket socket;
    private final InputStream in;
    private final ByteBuf buffer = Unpooled.buffer();
    private final byte[] chunk = new byte[8192];

    ReceivedBytes(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** The bytes received and not taken yet, from its reader index on. */
    ByteBuf buffer() {
        return buffer;
    }

    /**
     * Blocks until bytes arrive, the connection closes, or the deadline ({@link System#nanoTime()}) passes. A reset
     * by the broker is thrown as the socket's {@link IOException}: whether that counts as closed is the caller's call.
     */
    Outcome readMore(long deadlineNanos) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return Outcome.TIMED_OUT;
        }
        // A timeout of 0 would mean "wait forever": less than a millisecond left is rounded up to one.
        socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        int n;
        try {
            n = in.read(chunk);
        } catch (SocketTimeoutException e) {
            return Outcome.TIMED_OUT;
        }
        if (n < 0) {
            return Outcome.CLOSED;
        }
        buffer.writeBytes(chunk, 0, n);
        return Outcome.READ;
    }
}
