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
    final Persistence persistence;
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
        this(config, authorizer, new InMemoryPersistence());
    }

    EmbeddedBroker(BrokerConfig config, Authorizer authorizer, Persistence persistence) {
        this.config = config;
        this.persistence = persistence;
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
     * clients received. Writes a {@link HeldStore} still holds are completed first and last, so that what waits
     * for them (a routed message, a will) is handed on and released.
     */
    @Override
    public void close() {
        completeHeldWrites();
        for (EmbeddedClient c : clients) {
            c.channel.close();
        }
        runPendingTasks();
        sessions.clear();
        runPendingTasks();
        completeHeldWrites();
        for (EmbeddedClient c : clients) {
            c.release();
        }
        persistence.close();
    }

    private void completeHeldWrites() {
        if (persistence instanceof HeldStore) {
            HeldStore held = (HeldStore) persistence;
            held.overloaded = false;
            // Each round's completions may write again (a PUBCOMP after PUBREL, a record after an ack).
            for (int round = 0; round < 100 && held.held() > 0; round++) {
                held.completeAll();
                runPendingTasks();
            }
        }
    }
}
