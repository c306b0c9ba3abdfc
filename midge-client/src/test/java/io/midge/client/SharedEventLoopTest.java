package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Clients on an event loop group of the application's: they work on it and leave it running when closed. */
class SharedEventLoopTest {
    @Test
    void clientsShareAGroupTheyDoNotShutDown() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<String> received = new CopyOnWriteArrayList<>();
        try (MidgeBroker broker = MidgeBroker.start()) {
            try (MidgeClient a = MidgeClient.builder().port(broker.port()).eventLoopGroup(group)
                    .onMessage(m -> received.add(m.payloadAsString())).build();
                 MidgeClient b = MidgeClient.builder().port(broker.port()).eventLoopGroup(group).build()) {
                a.connect().join();
                a.subscribe("shared", 1).join();
                b.connect().join();
                b.publish(OutgoingMessage.of("shared", "over one loop", 1)).join();
                await().until(() -> received.size() == 1);
            }
            assertThat(group.isShuttingDown()).isFalse();
            assertThat(received).containsExactly("over one loop");
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
