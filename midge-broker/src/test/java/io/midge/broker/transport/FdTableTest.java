package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.PingReq;
import io.midge.codec.packet.PingResp;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.channel.IoHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The epoll loop's channels by file descriptor ({@link FdTable}): a map like the one it replaces, installed in every
 * epoll handler the broker makes, and a loop whose connections close in any order still serves the others.
 */
class FdTableTest {
    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension(b -> b.set(IO_THREADS, 1));

    @Test
    @DisplayName("put, get, remove and the views behave as a map from descriptor to value")
    void map() {
        FdTable<String> table = new FdTable<>();
        assertThat(table.put(3, "three")).isNull();
        assertThat(table.put(5000, "far")).isNull(); // beyond the first array: grows
        assertThat(table.put(3, "THREE")).isEqualTo("three");
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.get(3)).isEqualTo("THREE");
        assertThat(table.get(4)).isNull();
        assertThat(table.get(-1)).isNull();
        assertThat(table.get(1 << 20)).isNull();
        assertThat(table.containsKey(5000)).isTrue();
        assertThat(table.values()).containsExactly("THREE", "far");
        assertThat(table.keySet()).containsExactly(3, 5000);
        List<Integer> walked = new ArrayList<>();
        for (IntObjectMap.PrimitiveEntry<String> e : table.entries()) {
            walked.add(e.key());
            table.remove(e.key()); // entries() is a copy: removing while walking it is fine
        }
        assertThat(walked).containsExactly(3, 5000);
        assertThat(table.isEmpty()).isTrue();
        assertThat(table.remove(3)).isNull();
        assertThat(table).isEqualTo(Map.of());
    }

    @Test
    @DisplayName("every epoll handler the broker's loops are made with keeps its channels in the table")
    void installed() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no native epoll here");
        ThreadAwareExecutor executor = new ThreadAwareExecutor() {
            @Override
            public boolean isExecutorThread(Thread thread) {
                return thread == Thread.currentThread();
            }

            @Override
            public void execute(Runnable command) {
                command.run();
            }
        };
        IoHandler handler = FdTable.install(EpollIoHandler.newFactory().newHandler(executor));
        try {
            assertThat(FdTable.installedIn(handler)).as("Netty's registrations field replaced").isTrue();
        } finally {
            handler.destroy();
        }
    }

    @Test
    @DisplayName("MQTT-3.12.4-1: on one loop, with every other connection of 200 closed, each of the others still "
            + "gets its PINGRESP, and new ones connect")
    void closesInAnyOrder() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                RawClient c = new RawClient(broker.port());
                clients.add(c);
                assertThat(c.connect("fd-" + i).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            }
            for (int i = 0; i < clients.size(); i += 2) {
                clients.get(i).close();
            }
            for (int i = 1; i < clients.size(); i += 2) {
                clients.get(i).send(PingReq.INSTANCE);
                assertThat(clients.get(i).receive()).isInstanceOf(PingResp.class);
            }
            for (int i = 0; i < 50; i++) {
                RawClient c = new RawClient(broker.port());
                clients.add(c);
                assertThat(c.connect("fd-new-" + i).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                c.send(PingReq.INSTANCE);
                assertThat(c.receive()).isInstanceOf(PingResp.class);
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }
}
