package io.midge.broker.cluster;

import static io.midge.broker.config.ConfigKeys.CLUSTER_MEMBERS;
import static io.midge.broker.config.ConfigKeys.CLUSTER_NODE_ID;
import static io.midge.broker.config.ConfigKeys.CLUSTER_PORT;
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
 * One node of a test cluster in a process of its own, for {@link ClusterNodes}:
 * {@code ClusterNodeMain DATA_DIR NODE_ID CLUSTER_PORT MEMBERS MQTT_PORT}. Prints {@code MIDGE-PORT n} and
 * {@code MIDGE-HTTP n} once it listens; stops cleanly on SIGTERM, not at all on SIGKILL.
 */
public final class ClusterNodeMain {
    private ClusterNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig.Builder b = BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, Integer.parseInt(args[4]))
                .set(IO_THREADS, 2).set(HTTP_PORT, -1).set(SYS_INTERVAL, 1).set(DATA_DIR, Path.of(args[0]));
        if (!args[3].isEmpty()) {
            b.set(CLUSTER_NODE_ID, args[1]).set(CLUSTER_PORT, Integer.parseInt(args[2]))
                    .set(CLUSTER_MEMBERS, List.of(args[3].split(",")));
        }
        Broker broker = Broker.start(b.build());
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        System.out.println("MIDGE-PORT " + broker.port());
        System.out.println("MIDGE-HTTP " + broker.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
