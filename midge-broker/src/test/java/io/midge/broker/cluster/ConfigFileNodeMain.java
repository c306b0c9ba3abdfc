package io.midge.broker.cluster;

import io.midge.broker.Broker;
import io.midge.broker.config.ConfigLoader;
import java.nio.file.Path;

/**
 * A broker process started from a configuration file, as {@code midge broker -c FILE} would be:
 * {@code ConfigFileNodeMain FILE}. Prints {@code MIDGE-PORT n} and {@code MIDGE-HTTP n} once it listens; stops
 * cleanly on SIGTERM.
 */
public final class ConfigFileNodeMain {
    private ConfigFileNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(ConfigLoader.load(Path.of(args[0])));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        System.out.println("MIDGE-PORT " + broker.port());
        System.out.println("MIDGE-HTTP " + broker.httpPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
