package io.midge.broker.durability;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import java.nio.file.Path;

/**
 * A broker in a process of its own, for {@link BrokerCrashTest} to kill: {@code CrashBroker DATA_DIR}. Prints
 * {@code MIDGE-PORT n} once it listens, then runs until killed.
 */
public final class CrashBroker {
    private CrashBroker() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(BrokerConfig.builder().host("127.0.0.1").port(0).ioThreads(2)
                .dataDir(Path.of(args[0])).build());
        System.out.println("MIDGE-PORT " + broker.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
