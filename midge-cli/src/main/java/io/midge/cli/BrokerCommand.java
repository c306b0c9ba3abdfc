package io.midge.cli;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import io.midge.broker.persistence.PersistenceException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code midge broker}: runs the broker in the foreground until it is stopped (Ctrl-C, SIGTERM). */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs the MQTT broker (listens on 127.0.0.1:1883 unless told otherwise).")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port (overrides the file).")
    Integer port;

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDRESS",
            description = "Address to listen on, e.g. 0.0.0.0 for every interface (overrides the file).")
    String bind;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory of the store: sessions, queues and retained messages survive restarts (./data "
                    + "unless the file says otherwise).")
    Path dataDir;

    @Option(names = "--in-memory", description = "Keep nothing across restarts; write nothing to disk.")
    boolean inMemory;

    @Override
    public Integer call() throws Exception {
        BrokerConfig settings;
        try {
            settings = config == null ? BrokerConfig.defaults() : ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("midge: " + e.getMessage());
            return 2;
        }
        BrokerConfig.Builder b = settings.toBuilder();
        if (port != null) {
            b.port(port);
        }
        if (bind != null) {
            b.host(bind);
        }
        if (dataDir != null) {
            b.dataDir(dataDir);
        }
        if (inMemory) {
            b.inMemory(true);
        }
        Broker broker;
        try {
            broker = Broker.start(b.build());
        } catch (PersistenceException e) {
            System.err.println("midge: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "midge-shutdown"));
        stopped.await();
        return 0;
    }
}
