package io.midge.broker.persistence;

import java.util.Arrays;

/**
 * The queue entries of an {@link EncodedBatch} that may still change before a writer takes it ({@link QueuedPut}):
 * where each put's record starts, where its value starts and where it ends among the batch's records, and, once taken, what became of each: left out
 * (cancelled), written as encoded, or written with the packet identifier it was sent under in its value
 * ({@link QueuedPut#sent}). The writer copies the batch's records around them into the group commit's WriteBatch
 * ({@link #copy}); the batch's own array is never changed after submission.
 *
 * <p>Threads: filled by the batch's owner before submission, then taken, copied and settled by its writer.
 */
final class CancellablePuts {
    private QueuedPut[] puts = new QueuedPut[4];
    private int[] starts = new int[4];
    private int[] values = new int[4];
    private int[] ends = new int[4];
    private int count;
    /** Set by {@link #take}: per put, {@link QueuedPut#LEFT_OUT}, 0 (as encoded) or the identifier it was sent under. */
    private int[] taken;
    /** Set by {@link #take}: how many puts it left out. */
    private int leftOut;

    /** A put whose record is {@code [start, end)} in the batch's records, its value {@code [value, end)}. */
    void add(QueuedPut put, int start, int value, int end) {
        if (count == puts.length) {
            puts = Arrays.copyOf(puts, count * 2);
            starts = Arrays.copyOf(starts, count * 2);
            values = Arrays.copyOf(values, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
        }
        puts[count] = put;
        starts[count] = start;
        values[count] = value;
        ends[count] = end;
        count++;
    }

    /** Adds another batch's puts, whose records were copied behind this batch's at {@code offset}. */
    void addAll(CancellablePuts other, int offset) {
        for (int i = 0; i < other.count; i++) {
            add(other.puts[i], offset + other.starts[i], offset + other.values[i], offset + other.ends[i]);
        }
    }

    /**
     * Called by the writer: decides each put (see {@link QueuedPut#take}). Returns by how many bytes the records the
     * writer copies differ from the batch's {@code records}: fewer for each put left out, a few more for each that
     * carries its packet identifier.
     */
    int take() {
        taken = new int[count];
        int change = 0;
        for (int i = 0; i < count; i++) {
            int t = puts[i].take();
            taken[i] = t;
            if (t == QueuedPut.LEFT_OUT) {
                leftOut++;
                change -= ends[i] - starts[i];
            } else if (t != 0) {
                int valueLength = ends[i] - values[i];
                change += Values.SENT_EXTRA + ByteWriter.varLength(valueLength + Values.SENT_EXTRA)
                        - ByteWriter.varLength(valueLength);
            }
        }
        return change;
    }

    /** How many puts {@link #take} left out. */
    int leftOut() {
        return leftOut;
    }

    /**
     * Copies the batch's {@code records[0..length)} into {@code rep} at {@code at} as {@link #take} decided: the puts
     * left out skipped, those sent with their packet identifier in the value. Returns where the copy ends.
     */
    int copy(byte[] records, int length, byte[] rep, int at) {
        int from = 0;
        for (int i = 0; i < count; i++) {
            int t = taken[i];
            if (t == 0) {
                continue;
            }
            System.arraycopy(records, from, rep, at, starts[i] - from);
            at += starts[i] - from;
            if (t != QueuedPut.LEFT_OUT) {
                // The tag and the key as they are; the value's length and the value itself, with the identifier.
                int valueLength = ends[i] - values[i];
                int lengthAt = values[i] - ByteWriter.varLength(valueLength);
                System.arraycopy(records, starts[i], rep, at, lengthAt - starts[i]);
                at += lengthAt - starts[i];
                at = ByteWriter.writeVar(valueLength + Values.SENT_EXTRA, rep, at);
                at = Values.writeSentDelivery(records, values[i], valueLength, t, rep, at);
            }
            from = ends[i];
        }
        System.arraycopy(records, from, rep, at, length - from);
        return at + length - from;
    }

    /** The batch was written, or will never be: none of its puts can be cancelled or marked sent any more. */
    void settle() {
        for (int i = 0; i < count; i++) {
            puts[i].settle();
        }
    }
}
