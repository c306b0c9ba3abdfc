package io.midge.client.testing;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PORT;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.EnhancedAuthenticator;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An in-process Midge broker on 127.0.0.1, in memory, for the client's tests: on a free port, and able to stop and
 * start again on the same port (a broker restart as a client sees it).
 */
public final class MidgeBroker implements AutoCloseable {
    private final UnaryOperator<BrokerConfig.Builder> settings;
    private final Authenticator authenticator;
    private final List<EnhancedAuthenticator> enhanced;
    private Broker broker;
    private int port;

    private MidgeBroker(UnaryOperator<BrokerConfig.Builder> settings, Authenticator authenticator,
                        List<EnhancedAuthenticator> enhanced) {
        this.settings = settings;
        this.authenticator = authenticator;
        this.enhanced = enhanced;
    }

    public static MidgeBroker start() {
        return start(UnaryOperator.identity());
    }

    public static MidgeBroker start(UnaryOperator<BrokerConfig.Builder> settings) {
        return start(settings, Authenticator.ALLOW_ALL, List.of());
    }

    public static MidgeBroker start(UnaryOperator<BrokerConfig.Builder> settings, Authenticator authenticator,
                                    List<EnhancedAuthenticator> enhanced) {
        MidgeBroker b = new MidgeBroker(settings, authenticator, enhanced);
        b.startOn(0);
        return b;
    }

    private void startOn(int wanted) {
        BrokerConfig config = settings.apply(BrokerConfig.builder().set(ConfigKeys.HTTP_PORT, 0).set(HOST, "127.0.0.1").set(PORT, wanted)
                .set(IO_THREADS, 1)
                .set(IN_MEMORY, true)).build();
        try {
            broker = Broker.start(config, authenticator, enhanced);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        port = broker.port();
    }

    public int port() {
        return port;
    }

    public Broker broker() {
        return broker;
    }

    /** Stops the broker; clients see their connections end. */
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** Starts it again on the same port (with nothing remembered: it runs in memory). */
    public void startAgain() {
        startOn(port);
    }

    @Override
    public void close() {
        stop();
    }
}
