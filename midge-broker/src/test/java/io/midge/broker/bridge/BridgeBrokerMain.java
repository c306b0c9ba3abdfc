package io.midge.broker.bridge;

import static io.midge.broker.config.ConfigKeys.BRIDGES;
import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * A bridging broker in a process of its own, for {@link BridgeCrashTest} to kill:
 * {@code BridgeBrokerMain DATA_DIR PORT REMOTE_PORT}, bridging {@code s/#} out at QoS 1. Prints {@code MIDGE-PORT n}
 * once it listens, then runs until killed.
 */
public final class BridgeBrokerMain {
    private BridgeBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1")
                .set(PORT, Integer.parseInt(args[1])).set(IO_THREADS, 2).set(HTTP_PORT, 0).set(SYS_INTERVAL, 0)
                .set(DATA_DIR, Path.of(args[0]))
                .set(BRIDGES, List.of(BridgeSpec.to("r", Integer.parseInt(args[2])).out("s/#", 1).build()))
                .build());
        System.out.println("MIDGE-PORT " + broker.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
