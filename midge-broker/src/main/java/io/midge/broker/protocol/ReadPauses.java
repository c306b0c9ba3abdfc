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
        STORE_BEHIND,
        /** Memory passed overload-pause-publishers and the client publishes. */
        OVERLOADED
    }

    private final Channel channel;
    private int reasons;
    /** Paused at some time since {@link #pausedSinceLastAsked()} was last asked. */
    private boolean pausedRecently;

    ReadPauses(Channel channel) {
        this.channel = channel;
    }

    void pause(Reason reason) {
        reasons |= 1 << reason.ordinal();
        pausedRecently = true;
        channel.config().setAutoRead(false);
    }

    /**
     * Whether reading was paused at any time since the last call: a keep-alive timeout then is our silence (a
     * throttle, a store behind), not the client's. Once forgiven, the next period (a whole one, as the idle timer
     * restarts) is judged on its own.
     */
    boolean pausedSinceLastAsked() {
        boolean was = reasons != 0 || pausedRecently;
        pausedRecently = reasons != 0;
        return was;
    }

    void resume(Reason reason) {
        reasons &= ~(1 << reason.ordinal());
        if (reasons == 0 && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }
}
