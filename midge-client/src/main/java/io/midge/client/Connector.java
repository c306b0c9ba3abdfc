package io.midge.client;

import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.property.MqttProperties;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the client connected while the application wants it to be: makes the first connection on {@link #connect()},
 * a new one after each that ends (as the {@link ReconnectPolicy} says, unless the failure is one a new attempt will not
 * cure), none after {@link #disconnect}; completes the futures waiting on these and tells the
 * {@link ConnectionListener}s. Confined to the client's event loop, except its public-facing methods, which hand
 * their work to it.
 */
final class Connector implements ClientConnection.Events {
    private static final System.Logger LOG = System.getLogger(Connector.class.getName());

    private final ClientOptions options;
    private final EventLoop loop;
    private final ClientSession session;
    private final TransportBootstrap transport;
    private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();

    // Confined to the loop (current is also read by isConnected()).
    private volatile ClientConnection current;
    private ConnectResult established;
    private boolean wantConnection;
    private boolean everConnected;
    private int attempt;
    private ScheduledFuture<?> reconnectTask;
    private final List<CompletableFuture<ConnectResult>> connectWaiters = new ArrayList<>();
    private final List<CompletableFuture<Void>> disconnectWaiters = new ArrayList<>();
    private volatile boolean closed;

    Connector(ClientOptions options, EventLoop loop, ClientSession session) {
        this.options = options;
        this.loop = loop;
        this.session = session;
        this.transport = new TransportBootstrap(options, loop);
    }

    /** Connects unless connected; see {@link MidgeClient#connect()}. */
    CompletableFuture<ConnectResult> connect() {
        if (closed) {
            return CompletableFuture.failedFuture(clientClosed());
        }
        CompletableFuture<ConnectResult> future = new CompletableFuture<>();
        loop.execute(() -> {
            if (established != null) {
                future.complete(established);
                return;
            }
            connectWaiters.add(future);
            wantConnection = true;
            if (current == null && reconnectTask == null) {
                attempt();
            }
        });
        return future;
    }

    boolean isConnected() {
        ClientConnection c = current;
        return c != null && c.isConnected();
    }

    /** Ends the connection and stops reconnecting; see {@link MidgeClient#disconnect(ReasonCode, MqttProperties)}. */
    CompletableFuture<Void> disconnect(ReasonCode reasonCode, MqttProperties properties) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        loop.execute(() -> {
            wantConnection = false;
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
                reconnectTask = null;
            }
            failConnectWaiters(new MqttClientException(MqttClientException.Kind.CANCELLED, "disconnect requested"));
            if (current == null) {
                future.complete(null);
                return;
            }
            disconnectWaiters.add(future);
            current.disconnect(reasonCode, options.version().isV5() ? properties : MqttProperties.EMPTY);
        });
        return future;
    }

    /** From now on no connection is made; the one there is ends with {@link #disconnect}. */
    void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    static MqttClientException clientClosed() {
        return new MqttClientException(MqttClientException.Kind.CLOSED, "client closed");
    }

    void addListener(ConnectionListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    private void attempt() {
        boolean cleanStart = everConnected ? !options.sessionOutlivesConnection() : options.cleanStart();
        ClientConnection conn = new ClientConnection(options, session, this, cleanStart);
        current = conn;
        transport.open(conn, this);
    }

    @Override
    public void connected(ClientConnection connection, ConnectResult result) {
        if (connection != current || closed && !wantConnection) {
            connection.disconnect(ReasonCode.NORMAL_DISCONNECTION, MqttProperties.EMPTY);
            return;
        }
        everConnected = true;
        attempt = 0;
        established = result;
        session.connected(connection, result, options.resubscribe());
        List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(w -> w.complete(result));
        for (ConnectionListener l : listeners) {
            try {
                l.connected(result);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a connection listener threw", e);
            }
        }
    }

    @Override
    public void closed(ClientConnection connection, Throwable cause, boolean wasConnected) {
        if (connection != current) {
            return;
        }
        current = null;
        established = null;
        session.disconnected(cause);
        if (wasConnected) {
            for (ConnectionListener l : listeners) {
                try {
                    l.disconnected(cause);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a connection listener threw", e);
                }
            }
        }
        if (closed || !wantConnection) {
            List<CompletableFuture<Void>> waiters = new ArrayList<>(disconnectWaiters);
            disconnectWaiters.clear();
            waiters.forEach(w -> w.complete(null));
            failConnectWaiters(cause);
            return;
        }
        if (options.reconnect().enabled() && !permanent(cause)) {
            Duration delay = options.reconnect().delay(attempt++);
            reconnectTask = loop.schedule(() -> {
                reconnectTask = null;
                if (wantConnection && current == null && !closed) {
                    attempt();
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            wantConnection = false;
            failConnectWaiters(cause);
            session.publishes().failAll(cause);
        }
    }

    private void failConnectWaiters(Throwable cause) {
        List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(w -> w.completeExceptionally(cause));
    }

    /**
     * Failures a new attempt will not cure: the broker refused the connection for a reason other than its load, or
     * TLS failed.
     */
    private static boolean permanent(Throwable cause) {
        if (!(cause instanceof MqttClientException)) {
            return false;
        }
        MqttClientException e = (MqttClientException) cause;
        return switch (e.kind()) {
            case CONNECT_REFUSED -> !transientRefusal(e.reasonCode());
            case TLS -> true;
            default -> false;
        };
    }

    private static boolean transientRefusal(ReasonCode code) {
        return code == ReasonCode.SERVER_UNAVAILABLE || code == ReasonCode.SERVER_BUSY
                || code == ReasonCode.QUOTA_EXCEEDED || code == ReasonCode.CONNECTION_RATE_EXCEEDED;
    }
}
