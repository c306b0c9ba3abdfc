package io.midge.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.bridge.RemoteSilence.Step;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The keep-alive's decisions from idle events alone (the link's behaviour is BridgeKeepAliveTest's). */
class RemoteSilenceTest {
    private final RemoteSilence silence = new RemoteSilence();

    @Test
    @DisplayName("A link that writes all the time and hears nothing pings at the first half keep-alive of silence, "
            + "then waits, and gives the remote up at the third (one and a half keep-alives)")
    void silenceWhileWriting() {
        assertThat(silence.onIdle(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT)).isEqualTo(Step.PING);
        assertThat(silence.onIdle(IdleStateEvent.READER_IDLE_STATE_EVENT)).isEqualTo(Step.NOTHING);
        assertThat(silence.onIdle(IdleStateEvent.READER_IDLE_STATE_EVENT)).isEqualTo(Step.GIVE_UP);
    }

    @Test
    @DisplayName("Anything heard from the remote starts the count again: a remote that answers each PINGREQ is kept")
    void heardStartsAgain() {
        for (int i = 0; i < 5; i++) {
            assertThat(silence.onIdle(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT)).isEqualTo(Step.PING);
            assertThat(silence.onIdle(IdleStateEvent.READER_IDLE_STATE_EVENT)).isEqualTo(Step.NOTHING);
            silence.heard();
        }
    }

    @Test
    @DisplayName("An idle link pings once for its two idle events, and on the writer's account always "
            + "(MQTT-3.1.2-23: a packet within each keep-alive)")
    void idleLinkPingsOnce() {
        assertThat(silence.onIdle(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT)).isEqualTo(Step.PING);
        assertThat(silence.onIdle(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT)).isEqualTo(Step.NOTHING);
        silence.heard();
        assertThat(silence.onIdle(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT)).isEqualTo(Step.PING);
        assertThat(silence.onIdle(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT)).isEqualTo(Step.PING);
    }
}
