package io.midge.broker.testing;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.broker.config.ConfigKeys.SYS_INTERVAL;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.routing.Message;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh broker on 127.0.0.1 and a free port for every test:
 * {@code @RegisterExtension final BrokerExtension broker = new BrokerExtension(c -> c.set(MAX_KEEP_ALIVE, 60));}.
 * A test that needs other settings mid-way can {@link #restart} it.
 */
public final class BrokerExtension implements BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<BrokerConfig.Builder> settings;
    private Authenticator authenticator = Authenticator.ALLOW_ALL;
    private List<EnhancedAuthenticator> enhanced = List.of();
    private Path dataDir;
    private Broker broker;

    public BrokerExtension() {
        this(UnaryOperator.identity());
    }

    public BrokerExtension(UnaryOperator<BrokerConfig.Builder> settings) {
        this.settings = settings;
    }

    public BrokerExtension withAuthenticator(Authenticator authenticator) {
        this.authenticator = authenticator;
        return this;
    }

    /**
     * Keeps the broker's state in a store in {@code dir}, so that {@link #restart} finds it again; without this the
     * broker runs in memory and writes nothing to disk.
     */
    public BrokerExtension durable(Path dir) {
        this.dataDir = dir;
        return this;
    }

    public BrokerExtension withEnhancedAuthenticators(List<EnhancedAuthenticator> enhanced) {
        this.enhanced = enhanced;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        start(settings);
    }

    private void start(UnaryOperator<BrokerConfig.Builder> with) throws InterruptedException {
        // Two loops whatever the machine, so that tests cross loops as production brokers on bigger machines do. No
        // $SYS figures unless a test asks: they would be among the retained messages and subscriptions it counts. No
        // HTTP listener unless a test asks for one (HTTP_PORT -1: a free port), so that brokers never race for 8080.
        BrokerConfig.Builder defaults = BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 2)
                .set(SYS_INTERVAL, 0).set(HTTP_PORT, 0);
        defaults = dataDir == null ? defaults.set(IN_MEMORY, true) : defaults.set(DATA_DIR, dataDir);
        BrokerConfig config = with.apply(defaults).build();
        broker = Broker.start(config, authenticator, enhanced);
    }

    /** Stops the broker and starts a new one with other settings (on a new port), on the same store if durable. */
    public void restart(UnaryOperator<BrokerConfig.Builder> with) throws InterruptedException {
        broker.close();
        broker = null;
        start(b -> with.apply(settings.apply(b)));
    }

    /** Stops the broker and starts it again with the same settings. */
    public void restart() throws InterruptedException {
        restart(UnaryOperator.identity());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    public Broker broker() {
        return broker;
    }

    public int port() {
        return broker.port();
    }

    /**
     * Publishes a message as the broker itself does ($SYS, wills), through its router: not a client, so the topics
     * reserved for the broker (those that start with {@code $}) are open to it.
     */
    public void publishAsBroker(String topic, int qos, boolean retain, String payload) {
        broker.router().publish(new Message(topic, qos, retain,
                Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8)), MqttProperties.EMPTY,
                Message.NEVER, "$broker"));
    }

    /** http://127.0.0.1:port of the HTTP listener (which a test turns on with HTTP_PORT -1). */
    public String httpUri() {
        return "http://127.0.0.1:" + broker.httpPort();
    }

    /** tcp://127.0.0.1:port, for Paho. */
    public String uri() {
        return "tcp://127.0.0.1:" + port();
    }
}
