package io.midge.benchmarks;

import io.midge.client.ConnectResult;
import io.midge.client.ConnectionListener;
import io.midge.client.MidgeClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes the Midge clients of a soak run: all on one small event loop group (a client of its own would start and stop
 * a thread for every churn connection), all counted when they connect. Keeps the long-lived ones to close at the end.
 */
final class SoakClients implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final SoakOptions options;
    private final SoakCounters counters;
    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("soak-client", true), NioIoHandler.newFactory());
    private final List<MidgeClient> steady = new CopyOnWriteArrayList<>();
    private volatile boolean closing;

    SoakClients(SoakOptions options, SoakCounters counters) {
        this.options = options;
        this.counters = counters;
    }

    SoakOptions options() {
        return options;
    }

    SoakCounters counters() {
        return counters;
    }

    /** A builder for a client of the broker under test, on the shared event loops. */
    MidgeClient.Builder builder(String clientId) {
        return MidgeClient.builder().host(options.host()).port(options.port()).clientId(clientId)
                .eventLoopGroup(group).connectTimeout(TIMEOUT);
    }

    /**
     * Connects a client meant to stay connected for the whole run; counts each later loss of its connection (the
     * client reconnects by itself) and closes it at the end.
     */
    MidgeClient steady(MidgeClient client) throws Exception {
        client.addConnectionListener(new ConnectionListener() {
            @Override
            public void disconnected(Throwable cause) {
                if (closing) {
                    return;
                }
                counters.steadyDrops.increment();
                counters.error("steady client " + client.clientId() + " lost its connection", cause);
            }

            @Override
            public void connected(ConnectResult result) {
                counters.connects.increment();
            }
        });
        await(client.connect());
        steady.add(client);
        return client;
    }

    /** Connects and counts (for clients that come and go). */
    ConnectResult connect(MidgeClient client) throws Exception {
        ConnectResult result = await(client.connect());
        counters.connects.increment();
        return result;
    }

    /** Waits for a client operation, at most {@link #TIMEOUT}. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer within " + TIMEOUT.toSeconds() + " s");
        }
    }

    /** Closes a client, counting (not throwing) what goes wrong. */
    void closeQuietly(MidgeClient client) {
        if (client == null) {
            return;
        }
        try {
            client.close();
        } catch (RuntimeException e) {
            counters.error("close " + client.clientId(), e);
        }
    }

    /** Closes the long-lived clients (without counting their disconnection as a drop) and the event loops. */
    @Override
    public void close() {
        closing = true;
        for (MidgeClient c : steady) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // closing down: nothing left to count
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
