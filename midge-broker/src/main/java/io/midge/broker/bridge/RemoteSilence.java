package io.midge.broker.bridge;

import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The keep-alive of a bridge's link, from its idle events (every half keep-alive without writing, and every half
 * keep-alive without reading; see {@link BridgeChannels}): when to ping the remote, and when to give it up.
 *
 * <p>Silence alone proves nothing: a bridge that only forwards QoS 0 writes all the time, so never pings on the
 * writer's account, and the remote answers nothing to QoS 0. So the first half keep-alive of silence asks (PINGREQ,
 * which the remote must answer, MQTT-3.12.4-1), and one and a half keep-alives of it mean the remote is gone, as a
 * broker judges its clients. One link's, on its loop.
 */
final class RemoteSilence {
    /** What the link does at an idle event. */
    enum Step { NOTHING, PING, GIVE_UP }

    /** Half keep-alives of silence that mean the remote is gone. */
    private static final int GONE = 3;

    private int silentHalves;
    /** A PINGREQ went out and nothing was read since: an idle link then pings once, not for both idle events. */
    private boolean pingUnanswered;

    Step onIdle(IdleStateEvent idle) {
        if (idle.state() == IdleState.WRITER_IDLE) {
            // A packet within each keep-alive, for the remote's own check (MQTT-3.1.2-23 in 3.1.1, 3.1.2.10 in 5.0).
            return ping();
        }
        if (idle.state() != IdleState.READER_IDLE) {
            return Step.NOTHING;
        }
        silentHalves = idle.isFirst() ? 1 : silentHalves + 1;
        if (silentHalves >= GONE) {
            return Step.GIVE_UP;
        }
        return pingUnanswered ? Step.NOTHING : ping();
    }

    /** The remote sent something: it answers a PINGREQ as well as PINGRESP would. */
    void heard() {
        pingUnanswered = false;
    }

    private Step ping() {
        pingUnanswered = true;
        return Step.PING;
    }
}
