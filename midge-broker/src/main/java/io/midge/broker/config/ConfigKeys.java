package io.midge.broker.config;

import io.midge.broker.config.BrokerConfig.QueueOverflow;
import io.midge.broker.persistence.SyncPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The table of every key of the configuration file. A setting is added here, once, with its type, range, default
 * and one-line description; the file reader, the checks of {@link BrokerConfig.Builder} and the README's table
 * ({@link #markdownTable()}) follow. Its area's view ({@link ProtocolConfig}, ...) gets an accessor where code
 * needs the value.
 */
public final class ConfigKeys {
    // Filled as the constants below are created, so it must come first.
    private static final List<ConfigKey<?>> KEYS = new ArrayList<>();

    public static final ConfigKey<String> HOST = key(ConfigArea.LISTENERS, "host",
            new Text(), "127.0.0.1",
            "address to listen on (`0.0.0.0` for every interface)");
    public static final ConfigKey<Integer> PORT = key(ConfigArea.LISTENERS, "port",
            WholeNumber.integer(0, 65535), 1883,
            "TCP port for MQTT");
    public static final ConfigKey<List<ListenerConfig>> LISTENERS = key(ConfigArea.LISTENERS, "listeners",
            new ListenersValue(), List.of(),
            "several listeners, each with its own port, address, transport (TCP, TLS, WebSocket, secure WebSocket) "
            + "and security; replaces `host` and `port` (see Listeners below)");
    public static final ConfigKey<Integer> IO_THREADS = key(ConfigArea.LISTENERS, "io-threads",
            WholeNumber.integer(0, 1024), 0,
            "event loop threads; `0` means one per two cores, at least one (a message crossing from one loop to "
            + "another costs a thread wake-up)");

    public static final ConfigKey<Integer> MAX_PACKET_SIZE = key(ConfigArea.PROTOCOL, "max-packet-size",
            WholeNumber.integer(64, 268_435_460), 1 << 20,
            "largest packet a client may send, in bytes (larger: DISCONNECT 0x95); advertised in 5.0");
    public static final ConfigKey<Integer> RECEIVE_MAXIMUM = key(ConfigArea.PROTOCOL, "receive-maximum",
            WholeNumber.integer(1, 65535), 1024,
            "QoS 1/2 publishes a client may have unacknowledged towards the broker (more: DISCONNECT 0x93)");
    public static final ConfigKey<Integer> TOPIC_ALIAS_MAXIMUM = key(ConfigArea.PROTOCOL, "topic-alias-maximum",
            WholeNumber.integer(0, 65535), 64,
            "topic aliases a 5.0 client may set; `0` turns them off (another cluster node's link may set 65535, "
                    + "whatever this says)");
    public static final ConfigKey<Integer> MAX_KEEP_ALIVE = key(ConfigArea.PROTOCOL, "max-keep-alive",
            WholeNumber.integer(0, 65535), 0,
            "longest keep-alive granted, in seconds; a 5.0 client asking for more (or for none) is told Server Keep "
            + "Alive; `0` accepts any");
    public static final ConfigKey<Long> MAX_SESSION_EXPIRY = key(ConfigArea.PROTOCOL, "max-session-expiry",
            WholeNumber.wide(0, 0xFFFF_FFFFL), 0xFFFF_FFFFL,
            "longest Session Expiry Interval granted, in seconds");
    public static final ConfigKey<Integer> MAXIMUM_QOS = key(ConfigArea.PROTOCOL, "maximum-qos",
            WholeNumber.integer(0, 2), 2,
            "highest QoS granted to subscriptions and accepted from publishers");
    public static final ConfigKey<Boolean> RETAIN_AVAILABLE = key(ConfigArea.PROTOCOL, "retain-available",
            new Flag(), true,
            "whether retained messages are supported");
    public static final ConfigKey<Integer> CONNECT_TIMEOUT = key(ConfigArea.PROTOCOL, "connect-timeout",
            WholeNumber.integer(1, 3600), 10,
            "seconds a new connection has to send CONNECT");
    public static final ConfigKey<String> RESPONSE_INFORMATION = key(ConfigArea.PROTOCOL, "response-information",
            new Text(), "midge/response/",
            "prefix of the Response Information given to 5.0 clients that request it (the client identifier "
            + "follows)");

    public static final ConfigKey<Integer> MAX_INFLIGHT = key(ConfigArea.LIMITS, "max-inflight",
            WholeNumber.integer(1, 65535), 1024,
            "QoS 1/2 publishes the broker has unacknowledged towards one client, at most (also capped by the "
            + "client's Receive Maximum)");
    public static final ConfigKey<Integer> MAX_QUEUED_MESSAGES = key(ConfigArea.LIMITS, "max-queued-messages",
            WholeNumber.integer(0, Integer.MAX_VALUE), 10_000,
            "messages kept for one client that is offline or behind");
    public static final ConfigKey<Long> MAX_QUEUED_BYTES = key(ConfigArea.LIMITS, "max-queued-bytes",
            WholeNumber.wide(0, Long.MAX_VALUE), 64L << 20,
            "payload bytes kept for one client that is offline or behind");
    public static final ConfigKey<QueueOverflow> QUEUE_OVERFLOW = key(ConfigArea.LIMITS, "queue-overflow",
            Choice.of(QueueOverflow.class), QueueOverflow.DROP_NEW,
            "when a client's queue is full: `drop-new` (the new message is dropped; a 5.0 publisher whose message "
            + "reached no queue gets 0x97 Quota exceeded) or `drop-oldest`");
    public static final ConfigKey<Boolean> QUEUE_QOS0 = key(ConfigArea.LIMITS, "queue-qos0",
            new Flag(), false,
            "whether QoS 0 messages are queued for offline clients with a persistent session");
    public static final ConfigKey<Integer> MAX_CONNECTIONS = key(ConfigArea.LIMITS, "max-connections",
            WholeNumber.integer(0, Integer.MAX_VALUE), 0,
            "connections open at once through all listeners; more are refused at CONNECT with 0x97 Quota exceeded "
            + "(3.1.1: return code 3, Server unavailable); `0` means no limit but the system's limit on open files. "
            + "Each listener may have its own `max-connections` too");
    public static final ConfigKey<Integer> MAX_CONNECTION_RATE = key(ConfigArea.LIMITS, "max-connection-rate",
            WholeNumber.integer(0, Integer.MAX_VALUE), 0,
            "new connections per second from one IP address (a burst of that many, then that many per second); more "
            + "are closed at once, before CONNECT; `0` means no limit");
    public static final ConfigKey<Integer> MAX_SUBSCRIPTIONS = key(ConfigArea.LIMITS, "max-subscriptions",
            WholeNumber.integer(0, Integer.MAX_VALUE), 0,
            "topic filters one client (its session) may be subscribed to; filters beyond it are refused in SUBACK "
            + "with 0x97 Quota exceeded (3.1.1: 0x80); `0` means no limit");
    public static final ConfigKey<Integer> MAX_PUBLISH_RATE = key(ConfigArea.LIMITS, "max-publish-rate",
            WholeNumber.integer(0, Integer.MAX_VALUE), 0,
            "PUBLISH packets per second one client may send (a burst of that many); a faster client is slowed down, "
            + "not refused; `0` means no limit");
    public static final ConfigKey<Integer> MAX_PUBLISH_BANDWIDTH = key(ConfigArea.LIMITS, "max-publish-bandwidth",
            WholeNumber.integer(0, Integer.MAX_VALUE), 0,
            "publish payload bytes per second one client may send (a burst of that many); a faster client is slowed "
            + "down, not refused; `0` means no limit");

    public static final ConfigKey<Integer> OVERLOAD_DROP_QOS0 = key(ConfigArea.LIMITS, "overload-drop-qos0",
            WholeNumber.integer(1, 100), 70,
            "memory in use, in % of its maximum (the heap after the last garbage collection, of `-Xmx`; or Netty's "
            + "direct memory, of its limit), at or above which QoS 0 publishes are dropped, counted as dropped for "
            + "`overload` (see Overload below); `100` never drops them");
    public static final ConfigKey<Integer> OVERLOAD_PAUSE_PUBLISHERS = key(ConfigArea.LIMITS,
            "overload-pause-publishers", WholeNumber.integer(1, 100), 80,
            "memory in use, in %, at or above which the broker stops reading from each client that publishes, for "
            + "as long as it stays there (read again at least every 10 s, or half the client's keep-alive); clients "
            + "that do not publish are never paused; `100` never pauses");
    public static final ConfigKey<Integer> OVERLOAD_REFUSE_PUBLISHES = key(ConfigArea.LIMITS,
            "overload-refuse-publishes", WholeNumber.integer(1, 100), 90,
            "memory in use, in %, at or above which QoS 1/2 publishes from 5.0 clients are refused with 0x97 Quota "
            + "exceeded (3.1.x clients cannot be told: they are only paused); not below `overload-drop-qos0`; "
            + "`100` never refuses");

    public static final ConfigKey<Path> DATA_DIR = key(ConfigArea.STORE, "data-dir",
            new Directory(), Path.of("data"),
            "directory of the store (created when absent); `--data-dir DIR` on the command line. One broker per "
            + "directory: a second one refuses to start");
    public static final ConfigKey<Boolean> IN_MEMORY = key(ConfigArea.STORE, "in-memory",
            new Flag(), false,
            "keep nothing across restarts and write nothing to disk; `--in-memory` on the command line");
    public static final ConfigKey<SyncPolicy> SYNC = key(ConfigArea.STORE, "sync",
            Choice.of(SyncPolicy.class), SyncPolicy.ALWAYS,
            "when the store's write-ahead log reaches the disk: `always` (before anything is acknowledged; writes "
            + "are group-committed), `interval` (every `sync-interval-ms`; survives a crash of the broker, not of "
            + "the machine) or `none` (when the operating system likes). The log itself is never off");
    public static final ConfigKey<Long> SYNC_INTERVAL_MS = key(ConfigArea.STORE, "sync-interval-ms",
            WholeNumber.wide(1, 3_600_000), 100L,
            "how often the log is synced under `sync: interval`");

    public static final ConfigKey<Path> PASSWORD_FILE = key(ConfigArea.SECURITY, "password-file",
            new FileName(), null,
            "the users who may log in (written by `midge passwd`; relative to the configuration file's directory). "
            + "Without it no user name is checked");
    public static final ConfigKey<Path> ACL_FILE = key(ConfigArea.SECURITY, "acl-file",
            new FileName(), null,
            "what each client may publish, subscribe to and receive (relative to the configuration file's "
            + "directory). Without it every client may do everything");
    public static final ConfigKey<List<String>> DENY_SUBSCRIBE = key(ConfigArea.SECURITY, "deny-subscribe",
            new TextList(), List.of(),
            "topic filters whose subscription is refused with SUBACK 0x80");

    public static final ConfigKey<String> HTTP_HOST = key(ConfigArea.HTTP, "http.host",
            new Text(), "127.0.0.1",
            "address of the HTTP listener (`/health`, `/metrics`); off the loopback it needs a `password-file` to log "
            + "in against (see HTTP and metrics below)");
    public static final ConfigKey<Integer> HTTP_PORT = key(ConfigArea.HTTP, "http.port",
            WholeNumber.integer(-1, 65535), 8080,
            "TCP port of the HTTP listener; `0` turns it off (`--http-port 0`); `-1` binds a free port (for tests)");
    public static final ConfigKey<Boolean> HTTP_ALLOW_ANONYMOUS = key(ConfigArea.HTTP, "http.allow-anonymous",
            new Flag(), null,
            "whether requests without credentials are answered; none means only on a loopback address, as for MQTT "
            + "listeners. Otherwise HTTP Basic, for a user of the password file whom the ACL file grants `admin`");
    public static final ConfigKey<TlsConfig> HTTP_TLS = key(ConfigArea.HTTP, "http.tls",
            new TlsValue(), null,
            "HTTPS: a `tls` section as a listener's (`cert`, `key`, `ca`, `client-auth`, `protocols`)");

    public static final ConfigKey<String> CLUSTER_NODE_ID = key(ConfigArea.CLUSTER, "cluster.node-id",
            new Text(), null,
            "this node's name in the cluster, unique and kept across restarts (it names the node's stored queues); "
            + "none means `host:port` of the cluster address; `--cluster-node-id`");
    public static final ConfigKey<String> CLUSTER_HOST = key(ConfigArea.CLUSTER, "cluster.host",
            new Text(), "127.0.0.1",
            "address the cluster's membership and links bind to; off the loopback `cluster.secret` is required");
    public static final ConfigKey<Integer> CLUSTER_PORT = key(ConfigArea.CLUSTER, "cluster.port",
            WholeNumber.integer(1, 65535), 5701,
            "TCP port of the cluster membership (Hazelcast); `--cluster-port`");
    public static final ConfigKey<List<String>> CLUSTER_MEMBERS = key(ConfigArea.CLUSTER, "cluster.members",
            new TextList(), List.of(),
            "the nodes to join, as `host:port` of their cluster address (a node may list itself); none means no "
            + "cluster: the broker runs alone; `--cluster-members a:7701,b:7701`");
    public static final ConfigKey<String> CLUSTER_NAME = key(ConfigArea.CLUSTER, "cluster.name",
            new Text(), "midge",
            "nodes join only a cluster of the same name (and secret); `--cluster-name`");
    public static final ConfigKey<String> CLUSTER_SECRET = key(ConfigArea.CLUSTER, "cluster.secret",
            new Text(), null,
            "shared secret of the nodes: the links between them authenticate with it, and nodes with different "
            + "secrets never form one cluster; required when `cluster.host` is not a loopback address");
    public static final ConfigKey<Integer> CLUSTER_LINK_PORT = key(ConfigArea.CLUSTER, "cluster.link-port",
            WholeNumber.integer(0, 65535), 0,
            "TCP port on which the node takes the messages other nodes forward to it; `0` picks a free one (the "
            + "nodes tell each other)");
    public static final ConfigKey<TlsConfig> CLUSTER_TLS = key(ConfigArea.CLUSTER, "cluster.tls",
            TlsValue.mutual(), null,
            "TLS on the links that carry messages between nodes, mutual: a `tls` section with `cert`, `key` and `ca` "
            + "(required: each node checks the other's certificate against it, both ways; reloaded when the files "
            + "change); Hazelcast's own traffic stays plain (see Cluster below); `--cluster-tls-cert`, "
            + "`--cluster-tls-key`, `--cluster-tls-ca`");
    public static final ConfigKey<Integer> CLUSTER_MAX_QUEUED_MESSAGES = key(ConfigArea.CLUSTER,
            "cluster.max-queued-messages", WholeNumber.integer(1, Integer.MAX_VALUE), 1_000_000,
            "messages kept for another node that is down or behind (its forwarding queue, held in memory and in "
            + "the store); beyond it the oldest are dropped, counted as `node_queue_full`");
    public static final ConfigKey<Long> CLUSTER_MAX_QUEUED_BYTES = key(ConfigArea.CLUSTER,
            "cluster.max-queued-bytes", WholeNumber.wide(1, Long.MAX_VALUE / 4), 512L << 20,
            "payload bytes kept for another node that is down or behind; beyond it the oldest messages are dropped");

    public static final ConfigKey<List<BridgeConfig>> BRIDGES = key(ConfigArea.BRIDGES, "bridges",
            new BridgesValue(), List.of(),
            "links to other MQTT brokers (3.1.1 or 5.0 over TCP, TLS or WebSocket), each with its topic rules "
            + "(`in`, `out`, `both`, prefixes) and a durable, bounded outbound queue; reread on SIGHUP (see Bridges "
            + "below, and `config/bridge-example.yaml`)");

    public static final ConfigKey<String> LOG_LEVEL = key(ConfigArea.LOGGING, "log-level",
            Choice.ofTexts("error", "warn", "info", "debug", "trace").listedAsOneOf(), "info",
            "how much the broker logs (to standard error): `error`, `warn`, `info`, `debug` (every refused "
            + "connection and why) or `trace`; `--log-level` and `MIDGE_LOG_LEVEL` override it");
    public static final ConfigKey<Integer> SYS_INTERVAL = key(ConfigArea.LOGGING, "sys-interval",
            WholeNumber.integer(0, 86_400), 10,
            "seconds between the broker's retained `$SYS/broker/...` status messages (see `$SYS` below); `0` turns "
            + "them off");

    private ConfigKeys() {
    }

    private static <T> ConfigKey<T> key(ConfigArea area, String name, ValueType<T> type, T defaultValue,
                                        String description) {
        for (ConfigKey<?> k : KEYS) {
            if (k.name().equals(name)) {
                throw new IllegalStateException("configuration key '" + name + "' is declared twice");
            }
        }
        ConfigKey<T> key = new ConfigKey<>(area, name, type, defaultValue, description);
        KEYS.add(key);
        return key;
    }

    /** Every key, area by area in {@link ConfigArea}'s order, each area's keys as declared. */
    public static List<ConfigKey<?>> all() {
        List<ConfigKey<?>> sorted = new ArrayList<>(KEYS);
        sorted.sort(Comparator.comparing(ConfigKey::area));
        return List.copyOf(sorted);
    }

    /** The key of this name, or null when there is none. */
    public static ConfigKey<?> named(String name) {
        for (ConfigKey<?> key : KEYS) {
            if (key.name().equals(name)) {
                return key;
            }
        }
        return null;
    }

    /** The README's table of keys (Markdown), generated so that it cannot drift from the keys themselves. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigKey<?> key : all()) {
            table.append(key.markdownRow()).append('\n');
        }
        return table.toString();
    }
}
