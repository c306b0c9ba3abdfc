package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.config.BridgeConfig.Direction;
import io.midge.broker.config.BridgeConfig.TopicRule;
import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.config.ListenerConfig;
import java.util.ArrayList;
import java.util.List;

/** A bridge's settings as tests write them: the defaults of the configuration file, and what a test changes. */
final class BridgeSpec {
    private final String name;
    private final int port;
    private ListenerConfig.Transport transport = ListenerConfig.Transport.TCP;
    private int version = 5;
    private String clientId;
    private String username;
    private String password;
    private BridgeConfig.Tls tls;
    private final List<TopicRule> rules = new ArrayList<>();
    private int maxMessages = 100_000;
    private QueueOverflow overflow = QueueOverflow.DROP_OLDEST;
    private String localUser;
    private int keepAlive = 30;

    private BridgeSpec(String name, int port) {
        this.name = name;
        this.port = port;
        this.clientId = "bridge-" + name;
    }

    static BridgeSpec to(String name, int port) {
        return new BridgeSpec(name, port);
    }

    BridgeSpec version(int v) {
        this.version = v;
        return this;
    }

    BridgeSpec clientId(String id) {
        this.clientId = id;
        return this;
    }

    BridgeSpec login(String user, String pass) {
        this.username = user;
        this.password = pass;
        return this;
    }

    BridgeSpec keepAlive(int seconds) {
        this.keepAlive = seconds;
        return this;
    }

    BridgeSpec localUser(String user) {
        this.localUser = user;
        return this;
    }

    BridgeSpec transport(ListenerConfig.Transport t, BridgeConfig.Tls tls) {
        this.transport = t;
        this.tls = tls;
        return this;
    }

    BridgeSpec out(String filter, int qos) {
        return rule(filter, Direction.OUT, qos, "", "");
    }

    BridgeSpec in(String filter, int qos) {
        return rule(filter, Direction.IN, qos, "", "");
    }

    BridgeSpec both(String filter, int qos) {
        return rule(filter, Direction.BOTH, qos, "", "");
    }

    BridgeSpec rule(String filter, Direction d, int qos, String localPrefix, String remotePrefix) {
        rules.add(new TopicRule(filter, d, qos, localPrefix, remotePrefix));
        return this;
    }

    BridgeSpec queue(int max, QueueOverflow overflow) {
        this.maxMessages = max;
        this.overflow = overflow;
        return this;
    }

    BridgeConfig build() {
        return new BridgeConfig(name, "127.0.0.1", port, transport, "/mqtt", version, clientId, username, password,
                false, 3600, keepAlive, localUser, tls, rules, maxMessages, 1L << 30, overflow);
    }
}
