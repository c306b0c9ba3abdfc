package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.QUEUE_QOS0;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;

/**
 * A broker in a process of its own, for {@link HeldMemoryTest}: without the test JVM's leak detector (which wraps
 * every buffer) and without other tests' buffers in the figure, so that Netty's direct memory in use is this
 * broker's alone, as in production. Queue bounds: {@code max-queued-bytes} from the first argument, messages
 * unbounded in practice, QoS 0 queued for offline sessions too. Prints {@code MIDGE-PORT mqtt http} once it
 * listens, then runs until killed.
 */
public final class HeldMemoryBroker {
    private HeldMemoryBroker() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 2)
                .set(HTTP_PORT, -1).set(IN_MEMORY, true).set(SYS_INTERVAL, 0).set(QUEUE_QOS0, true)
                .set(MAX_QUEUED_BYTES, Long.parseLong(args[0])).set(MAX_QUEUED_MESSAGES, 10_000_000).build());
        System.out.println("MIDGE-PORT " + broker.port() + " " + broker.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
