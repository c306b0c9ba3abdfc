package io.midge.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.midge.broker.Broker;
import io.midge.broker.ConfigCheck;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.config.ConfigLoader;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.persistence.PersistenceException;
import io.midge.broker.security.SecurityFileException;
import io.midge.broker.transport.ListenerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code midge broker}: runs the broker in the foreground until it is stopped (Ctrl-C, SIGTERM). */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs the MQTT broker (listens on 127.0.0.1:1883 unless told otherwise).")
final class BrokerCommand implements Callable<Integer> {

    // Each flag may also come from an environment variable (the flag wins); both override the file.
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "${env:MIDGE_CONFIG}",
            description = "YAML configuration file (env MIDGE_CONFIG).")
    Path config;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "${env:MIDGE_PORT}",
            description = "Port of the first listener (overrides the file; env MIDGE_PORT).")
    Integer port;

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDRESS", defaultValue = "${env:MIDGE_BIND}",
            description = "Address of the first listener, e.g. 0.0.0.0 for every interface (overrides the file; "
                    + "env MIDGE_BIND). Off the loopback, clients need a username unless the file allows "
                    + "anonymous clients.")
    String bind;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:MIDGE_HTTP_PORT}",
            description = "Port of the HTTP listener (health, metrics; 8080 unless the file says otherwise); 0 turns "
                    + "it off (overrides the file; env MIDGE_HTTP_PORT).")
    Integer httpPort;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:MIDGE_DATA_DIR}",
            description = "Directory of the store: sessions, queues and retained messages survive restarts (./data "
                    + "unless the file says otherwise; env MIDGE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--in-memory", description = "Keep nothing across restarts; write nothing to disk.")
    boolean inMemory;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:MIDGE_LOG_LEVEL}",
            description = "error, warn, info, debug or trace (overrides the file; env MIDGE_LOG_LEVEL).")
    String logLevel;

    @Option(names = "--sys-interval", paramLabel = "SECONDS", defaultValue = "${env:MIDGE_SYS_INTERVAL}",
            description = "Seconds between the broker's $SYS/broker/... figures, 0 for none (overrides the file; "
                    + "env MIDGE_SYS_INTERVAL).")
    Integer sysInterval;

    @Option(names = "--check-config", paramLabel = "FILE",
            description = "Checks FILE (and the password, ACL and TLS files it names) as a start would, then exits: "
                    + "0 when the broker would start with it, 2 with the start's message when not. Binds no port "
                    + "and opens no store.")
    Path checkConfig;

    @Option(names = "--cluster-port", paramLabel = "PORT",
            description = "Port of this node's cluster membership (overrides the file).")
    Integer clusterPort;

    @Option(names = "--cluster-members", paramLabel = "HOST:PORT", split = ",",
            description = "The cluster's nodes, host:port of their cluster ports, comma-separated; this node may be "
                    + "among them (overrides the file). Makes the broker a node of a cluster.")
    List<String> clusterMembers;

    @Option(names = "--cluster-node-id", paramLabel = "ID",
            description = "This node's name in the cluster, kept across restarts (overrides the file).")
    String clusterNodeId;

    @Option(names = "--cluster-name", paramLabel = "NAME",
            description = "Name of the cluster to join (overrides the file).")
    String clusterName;

    @Option(names = "--cluster-tls-cert", paramLabel = "FILE",
            description = "This node's certificate (PEM) for TLS on the links between nodes; with --cluster-tls-key "
                    + "and --cluster-tls-ca (overrides the file's cluster.tls).")
    Path clusterTlsCert;

    @Option(names = "--cluster-tls-key", paramLabel = "FILE",
            description = "The private key (PEM) of --cluster-tls-cert.")
    Path clusterTlsKey;

    @Option(names = "--cluster-tls-ca", paramLabel = "FILE",
            description = "The CA (PEM) every node's link certificate must chain to; each node checks the other's.")
    Path clusterTlsCa;

    @Override
    public Integer call() throws Exception {
        if (checkConfig != null) {
            config = checkConfig;
        }
        BrokerConfig settings;
        try {
            settings = config == null ? BrokerConfig.defaults() : ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("midge: " + e.getMessage());
            return 2;
        }
        BrokerConfig.Builder b = settings.toBuilder();
        List<ListenerConfig> configured = settings.listeners().configured();
        if (!configured.isEmpty() && (port != null || bind != null)) {
            List<ListenerConfig> listeners = new ArrayList<>(configured);
            ListenerConfig first = listeners.get(0);
            first = port != null ? first.withPort(port) : first;
            first = bind != null ? first.withHost(bind) : first;
            listeners.set(0, first);
            b.set(ConfigKeys.LISTENERS, listeners);
        } else {
            if (port != null) {
                b.set(ConfigKeys.PORT, port);
            }
            if (bind != null) {
                b.set(ConfigKeys.HOST, bind);
            }
        }
        if (httpPort != null) {
            b.set(ConfigKeys.HTTP_PORT, httpPort);
        }
        if (dataDir != null) {
            b.set(ConfigKeys.DATA_DIR, dataDir);
        }
        if (inMemory) {
            b.set(ConfigKeys.IN_MEMORY, true);
        }
        if (logLevel != null) {
            b.set(ConfigKeys.LOG_LEVEL, logLevel.toLowerCase(Locale.ROOT));
        }
        if (sysInterval != null) {
            b.set(ConfigKeys.SYS_INTERVAL, sysInterval);
        }
        if (clusterPort != null) {
            b.set(ConfigKeys.CLUSTER_PORT, clusterPort);
        }
        if (clusterMembers != null) {
            b.set(ConfigKeys.CLUSTER_MEMBERS, List.copyOf(clusterMembers));
        }
        if (clusterNodeId != null) {
            b.set(ConfigKeys.CLUSTER_NODE_ID, clusterNodeId);
        }
        if (clusterName != null) {
            b.set(ConfigKeys.CLUSTER_NAME, clusterName);
        }
        Broker broker;
        try {
            if (clusterTlsCert != null || clusterTlsKey != null || clusterTlsCa != null) {
                b.set(ConfigKeys.CLUSTER_TLS, clusterTls(settings.cluster().tls()));
            }
            BrokerConfig built = b.build();
            if (checkConfig != null) {
                ConfigCheck.check(built);
                System.out.println("midge: " + checkConfig + " is a valid configuration");
                return 0;
            }
            applyLogLevel(built.logLevel());
            // Before the start: a SIGHUP that comes once the listeners are up must find its handler, not the JVM's
            // default (which would stop the broker).
            HangupReload hangup = HangupReload.install(config);
            broker = Broker.start(built);
            hangup.started(broker);
            StartupHeap.settle();
        } catch (IllegalArgumentException | SecurityFileException | ListenerException e) {
            System.err.println("midge: " + e.getMessage());
            return 2;
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

    /** The file's cluster.tls with what the flags give instead; each of cert, key and ca is needed from one of them. */
    private TlsConfig clusterTls(TlsConfig file) {
        Path cert = clusterTlsCert != null ? clusterTlsCert : file == null ? null : file.certFile();
        Path key = clusterTlsKey != null ? clusterTlsKey : file == null ? null : file.keyFile();
        Path ca = clusterTlsCa != null ? clusterTlsCa : file == null ? null : file.caFile();
        if (cert == null || key == null || ca == null) {
            throw new IllegalArgumentException("TLS between nodes needs --cluster-tls-cert, --cluster-tls-key and "
                    + "--cluster-tls-ca (or cluster.tls in the file)");
        }
        return new TlsConfig(cert, key, ca, TlsConfig.ClientAuth.REQUIRED, TlsConfig.CertificateUsername.NONE,
                file == null ? null : file.protocols());
    }

    /** The level of the broker's own log lines (Netty's stay at WARN), unless -Dmidge.log.level says otherwise. */
    private static void applyLogLevel(String level) {
        if (System.getProperty("midge.log.level") == null
                && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT)));
        }
    }
}
