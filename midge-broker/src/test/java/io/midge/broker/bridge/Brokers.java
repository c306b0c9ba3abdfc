package io.midge.broker.bridge;

import static io.midge.broker.config.ConfigKeys.BRIDGES;
import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;

import io.midge.broker.Broker;
import io.midge.broker.config.BridgeConfig;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.security.Authenticator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The Midge brokers of a bridge test, in this process, each on a port of its own; all closed after the test. */
final class Brokers implements AfterEachCallback {
    private final List<Broker> running = new ArrayList<>();

    /** A broker on {@code port} (0: any), durable in {@code dir} (null: in memory), with these bridges. */
    Broker start(int port, Path dir, List<BridgeConfig> bridges) throws InterruptedException {
        return start(port, dir, bridges, UnaryOperator.identity());
    }

    Broker start(int port, Path dir, List<BridgeConfig> bridges, UnaryOperator<BrokerConfig.Builder> more)
            throws InterruptedException {
        return start(port, dir, bridges, more, Authenticator.ALLOW_ALL);
    }

    Broker start(int port, Path dir, List<BridgeConfig> bridges, UnaryOperator<BrokerConfig.Builder> more,
                 Authenticator authenticator) throws InterruptedException {
        BrokerConfig.Builder b = BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, port).set(IO_THREADS, 2)
                .set(SYS_INTERVAL, 0).set(HTTP_PORT, 0).set(BRIDGES, bridges);
        b = dir == null ? b.set(IN_MEMORY, true) : b.set(DATA_DIR, dir);
        Broker broker = Broker.start(more.apply(b).build(), authenticator, List.of());
        synchronized (running) {
            running.add(broker);
        }
        return broker;
    }

    void stop(Broker broker) {
        synchronized (running) {
            running.remove(broker);
        }
        broker.close();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Broker> all;
        synchronized (running) {
            all = new ArrayList<>(running);
            running.clear();
        }
        // The bridging brokers first (the last started), so that their links end before the remotes do.
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }

    static String uri(Broker b) {
        return "tcp://127.0.0.1:" + b.port();
    }
}
