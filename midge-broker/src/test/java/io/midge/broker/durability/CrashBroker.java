package io.midge.broker.durability;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PORT;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import java.nio.file.Path;

/**
 * A broker in a process of its own, for the crash tests to kill (a
 * {@link io.midge.broker.testing.ChildBroker}): {@code CrashBroker DATA_DIR}. Prints {@code MIDGE-PORT n} once it
 * listens, then runs until killed.
 */
public final class CrashBroker {
    private CrashBroker() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 2)
                .set(HTTP_PORT, 0)
                .set(DATA_DIR, Path.of(args[0])).build());
        System.out.println("MIDGE-PORT " + broker.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
