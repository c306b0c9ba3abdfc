package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.InMemoryPersistence;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionStore;
import io.midge.codec.protocol.MqttVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The broker's parts wired as {@code Broker.start} wires them (in-memory store, router, session registry, metrics,
 * connection limits), but without a listener: each client is an {@link EmbeddedClient}, an EmbeddedChannel with the
 * handlers MqttListener installs. The test thread is then every connection's event loop, and its sessions' too, so
 * a test runs the protocol step by step without sockets, threads or waiting.
 */
final class EmbeddedBroker implements AutoCloseable {
    /** A loopback listener, which lets anonymous clients in as the secure default does on loopback. */
    static final ListenerConfig LISTENER = ListenerConfig.tcp("embedded", "127.0.0.1", 0);

    final BrokerConfig config;
    final BrokerMetrics metrics = new BrokerMetrics();
    final Persistence persistence = new InMemoryPersistence();
    final Router router;
    final SessionRegistry sessions;
    final BrokerContext context;
    private final List<EmbeddedClient> clients = new ArrayList<>();

    EmbeddedBroker() {
        this(BrokerConfig.defaults());
    }

    EmbeddedBroker(BrokerConfig config) {
        this(config, Authorizer.ALLOW_ALL);
    }

    EmbeddedBroker(BrokerConfig config, Authorizer authorizer) {
        this.config = config;
        router = new Router(persistence);
        sessions = new SessionRegistry(router.topicTree(), config, metrics, router::publish,
                new SessionStore(persistence));
        context = new BrokerContext(config, sessions, router, metrics, Authenticator.ALLOW_ALL, Map.of(), persistence,
                new ConnectionLimits(config, metrics), authorizer);
    }

    /** A new connection, open (channelActive has run) and waiting for its CONNECT. */
    EmbeddedClient client(MqttVersion version) {
        EmbeddedClient client = new EmbeddedClient(this, version);
        clients.add(client);
        return client;
    }

    /**
     * Runs what every connection's loop has queued: a message routed to a session on another connection is handed
     * over through that connection's loop, as between event loops in the broker.
     */
    void runPendingTasks() {
        for (EmbeddedClient c : clients) {
            c.channel.runPendingTasks();
        }
    }

    /**
     * Closes every connection, ends the sessions left (releasing the messages they hold) and releases what the
     * clients received.
     */
    @Override
    public void close() {
        for (EmbeddedClient c : clients) {
            c.channel.close();
        }
        runPendingTasks();
        sessions.clear();
        runPendingTasks();
        for (EmbeddedClient c : clients) {
            c.release();
        }
        persistence.close();
    }
}
