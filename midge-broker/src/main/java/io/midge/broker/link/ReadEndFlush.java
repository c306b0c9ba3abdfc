package io.midge.broker.link;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * Flushes of a link's sends made while it reads the remote's packets wait for the read's end: each acknowledgement
 * lets the queue send what waited for room, and one flush then carries them all, not one per acknowledgement (a full
 * window otherwise makes one socket write, and one TCP segment, per message). Used by a cluster node's link and a
 * bridge's; on the channel's loop only.
 */
public final class ReadEndFlush {
    private boolean reading;
    private boolean pending;

    /** A packet of the remote's is being read. */
    public void reading() {
        reading = true;
    }

    /** Flushes now, or at the read's end while one is under way. */
    public void flush(Channel channel) {
        if (reading) {
            pending = true;
        } else {
            channel.flush();
        }
    }

    /** The read's end: flushes what waited for it. */
    public void readComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (pending) {
            pending = false;
            ctx.flush();
        }
    }
}
