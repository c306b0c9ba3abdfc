package io.midge.broker.config;

/** The parts of a configuration, each read through its own view of {@link BrokerConfig}; the README's order. */
public enum ConfigArea {
    /** Where clients connect, and the threads serving them: {@link ListenersConfig}. */
    LISTENERS,
    /** The MQTT the broker speaks: what CONNACK advertises, what is granted: {@link ProtocolConfig}. */
    PROTOCOL,
    /** What one client, or all of them, may use: {@link LimitsConfig}. */
    LIMITS,
    /** Where and how durably sessions, queues and retained messages are kept: {@link StoreConfig}. */
    STORE,
    /** Who may log in and what they may do: {@link SecurityConfig}. */
    SECURITY,
    /** The HTTP listener: health, metrics, and who may see them: {@link HttpConfig}. */
    HTTP,
    /** Several brokers as one: membership, the route table and the links between nodes: {@link ClusterConfig}. */
    CLUSTER,
    /** Links to other MQTT brokers, with a durable queue each: {@link BrokerConfig#bridges()}. */
    BRIDGES,
    /** What the broker logs, and the status it publishes under {@code $SYS}: {@link BrokerConfig#logLevel()}. */
    LOGGING
}
