package io.midge.broker.protocol;

import io.netty.channel.Channel;

/**
 * Why a connection is not read from at the moment. Several reasons may hold at once, and reading resumes only when
 * none does: the end of one pause must not undo another. Lives on the connection's event loop.
 */
final class ReadPauses {
    /** A reason to stop reading. */
    enum Reason {
        /** Packets sent before CONNACK are kept until the session is open. */
        CONNECTING,
        /** The client publishes faster than max-publish-rate or max-publish-bandwidth. */
        THROTTLED,
        /** The store is behind with the client's writes. */
        STORE_BEHIND
    }

    private final Channel channel;
    private int reasons;

    ReadPauses(Channel channel) {
        this.channel = channel;
    }

    void pause(Reason reason) {
        reasons |= 1 << reason.ordinal();
        channel.config().setAutoRead(false);
    }

    void resume(Reason reason) {
        reasons &= ~(1 << reason.ordinal());
        if (reasons == 0 && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }
}
