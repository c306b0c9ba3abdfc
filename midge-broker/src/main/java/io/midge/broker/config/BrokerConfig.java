package io.midge.broker.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a broker is told at start, area by area: {@link #listeners()}, {@link #protocol()}, {@link #limits()},
 * {@link #store()}, {@link #security()}, {@link #http()} and {@link #cluster()}. Every setting has a default ({@link ConfigKeys}); the configuration file
 * and the command line override them through a {@link Builder}.
 */
public final class BrokerConfig {
    private final Settings settings;
    private final ListenersConfig listeners;
    private final ProtocolConfig protocol;
    private final LimitsConfig limits;
    private final StoreConfig store;
    private final SecurityConfig security;
    private final HttpConfig http;
    private final ClusterConfig cluster;

    /** What a full queue does with one more message. */
    public enum QueueOverflow {
        /** The new message is dropped (and a 5.0 publisher at QoS 1/2 whose only subscriber is full sees 0x97). */
        DROP_NEW,
        /** The oldest queued message is dropped to make room. */
        DROP_OLDEST
    }

    private BrokerConfig(Settings settings) {
        this.settings = settings;
        this.listeners = new ListenersConfig(settings);
        this.protocol = new ProtocolConfig(settings);
        this.limits = new LimitsConfig(settings);
        this.store = new StoreConfig(settings);
        this.security = new SecurityConfig(settings);
        this.http = new HttpConfig(settings);
        this.cluster = new ClusterConfig(settings);
    }

    public ListenersConfig listeners() {
        return listeners;
    }

    public ProtocolConfig protocol() {
        return protocol;
    }

    public LimitsConfig limits() {
        return limits;
    }

    public StoreConfig store() {
        return store;
    }

    public SecurityConfig security() {
        return security;
    }

    public HttpConfig http() {
        return http;
    }

    /** The cluster this broker is a node of, if any ({@link ClusterConfig#enabled()}). */
    public ClusterConfig cluster() {
        return cluster;
    }

    /** The bridges to other brokers, each with a unique name; empty when there are none. */
    public java.util.List<BridgeConfig> bridges() {
        return settings.get(ConfigKeys.BRIDGES);
    }

    /** How much the broker logs: error, warn, info, debug or trace. (Logging has no other key to make an area.) */
    public String logLevel() {
        return settings.get(ConfigKeys.LOG_LEVEL);
    }

    /** Any setting by its key, for code that has no accessor for it in the key's area. */
    public <T> T get(ConfigKey<T> key) {
        return settings.get(key);
    }

    public static BrokerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(Map.of());
    }

    /** A builder holding this configuration's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder(settings.values());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BrokerConfig other && settings.equals(other.settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    @Override
    public String toString() {
        return "BrokerConfig" + settings;
    }

    /** Starts from the defaults (or a configuration); set what differs. Values are checked by {@link #build()}. */
    public static final class Builder {
        private final Map<ConfigKey<?>, Object> values;

        private Builder(Map<ConfigKey<?>, Object> values) {
            this.values = new LinkedHashMap<>(values);
        }

        public <T> Builder set(ConfigKey<T> key, T value) {
            values.put(key, value);
            return this;
        }

        /**
         * The configuration; a value its key does not allow throws {@link IllegalArgumentException} worded as the
         * file's messages are ("'maximum-qos' must be between 0 and 2, not 3").
         */
        public BrokerConfig build() {
            return new BrokerConfig(new Settings(values));
        }
    }
}
