package io.midge.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The sizing of reads: up fast when a read fills its buffer, down slowly when reads use little of it. */
class ReceiveBuffersTest {
    private final ReceiveBuffers.Sizing sizing = (ReceiveBuffers.Sizing) new ReceiveBuffers().newHandle();

    @Test
    @DisplayName("2 KiB at first; four times larger after a full read, up to 64 KiB")
    void growsOnFullReads() {
        assertThat(sizing.guess()).isEqualTo(2048);
        sizing.record(2048);
        assertThat(sizing.guess()).isEqualTo(8192);
        for (int i = 0; i < 5; i++) {
            sizing.record(sizing.guess());
        }
        assertThat(sizing.guess()).isEqualTo(65536);
    }

    @Test
    @DisplayName("Half as large after two reads in a row that used at most half, down to 64 B; a read between resets")
    void shrinksOnSmallReads() {
        sizing.record(2);
        assertThat(sizing.guess()).isEqualTo(2048);
        sizing.record(1500); // more than half: not small
        sizing.record(2);
        assertThat(sizing.guess()).isEqualTo(2048);
        sizing.record(2);
        assertThat(sizing.guess()).isEqualTo(1024);
        for (int i = 0; i < 20; i++) {
            sizing.record(2);
        }
        assertThat(sizing.guess()).isEqualTo(64);
    }

    @Test
    @DisplayName("Up to 16 reads per readiness event, as Netty gives stream channels, each of which filled its buffer")
    void readsPerEvent() {
        ChannelConfig config = new DefaultChannelConfig(new EmbeddedChannel());
        sizing.reset(config);
        int reads = 0;
        do {
            sizing.attemptedBytesRead(sizing.guess());
            sizing.lastBytesRead(sizing.guess());
            sizing.incMessagesRead(1);
            reads++;
        } while (sizing.continueReading());
        assertThat(reads).isEqualTo(16);

        sizing.reset(config);
        sizing.attemptedBytesRead(sizing.guess());
        sizing.lastBytesRead(10);
        sizing.incMessagesRead(1);
        assertThat(sizing.continueReading()).as("a read that did not fill its buffer emptied the socket").isFalse();

        sizing.reset(config);
        sizing.attemptedBytesRead(sizing.guess());
        sizing.lastBytesRead(0);
        assertThat(sizing.continueReading()).as("no bytes at all").isFalse();

        sizing.reset(config);
        config.setAutoRead(false);
        sizing.attemptedBytesRead(sizing.guess());
        sizing.lastBytesRead(sizing.guess());
        sizing.incMessagesRead(1);
        assertThat(sizing.continueReading()).as("reading paused").isFalse();
    }
}
