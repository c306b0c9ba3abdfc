package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PORT;

import java.util.List;

/** Where clients connect, and the threads that serve them: the {@link ConfigArea#LISTENERS} keys. */
public final class ListenersConfig {
    // Read once: the settings are fixed, and some of these are read for every message.
    private final String host;
    private final int port;
    private final List<ListenerConfig> configured;
    private final int ioThreads;

    ListenersConfig(Settings settings) {
        this.host = settings.get(HOST);
        this.port = settings.get(PORT);
        this.configured = settings.get(LISTENERS);
        this.ioThreads = settings.get(IO_THREADS);
        List<ListenerConfig> listeners = configured();
        if (listeners.stream().map(ListenerConfig::name).distinct().count() != listeners.size()) {
            throw new IllegalArgumentException("listener names must be unique");
        }
    }

    /** The address of the one listener of a configuration without {@code listeners}. */
    public String host() {
        return host;
    }

    /** The port of the one listener of a configuration without {@code listeners}; 0 picks a free one (tests). */
    public int port() {
        return port;
    }

    /** The listeners as configured; empty means one TCP listener on {@link #host()}:{@link #port()}. */
    public List<ListenerConfig> configured() {
        return configured;
    }

    /** The listeners to open: those configured, else one TCP listener named "default" on host:port. */
    public List<ListenerConfig> effective() {
        List<ListenerConfig> listeners = configured();
        return listeners.isEmpty() ? List.of(ListenerConfig.tcp("default", host(), port())) : listeners;
    }

    /** Event loop threads; 0 means one per two cores (at least one). */
    public int ioThreads() {
        return ioThreads;
    }
}
