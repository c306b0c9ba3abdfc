package io.midge.broker.config;

import io.midge.broker.persistence.SyncPolicy;
import java.nio.file.Path;
import java.util.List;

/**
 * What a broker is told at start. Every field has a default ({@link #defaults()}); the config file and the
 * command line override them. Limits are per client unless they say otherwise.
 *
 * @param host                   the address the MQTT listener binds to (localhost by default: secure by default)
 * @param port                   the MQTT listener's TCP port; 0 picks a free one (tests)
 * @param maxPacketSize          the largest packet accepted from a client, fixed header included
 * @param receiveMaximum         how many QoS 1/2 publishes a client may have unacknowledged towards us
 * @param maxInflight            how many QoS 1/2 publishes we have unacknowledged towards one client, at most
 * @param topicAliasMaximum      how many topic aliases a client may set towards us (0 turns them off)
 * @param maxKeepAlive           the longest keep-alive (seconds) granted; longer or 0 is answered with Server
 *                               Keep Alive in 5.0. 0 accepts whatever the client asks
 * @param maxQueuedMessages      messages kept for one client that is offline or behind, at most
 * @param maxQueuedBytes         payload bytes kept for one client that is offline or behind, at most
 * @param queueOverflow          what happens to a message for a full queue
 * @param queueQos0              whether QoS 0 messages are queued for offline clients with a persistent session
 * @param maxSessionExpiry       the longest Session Expiry Interval granted, seconds
 * @param maximumQos             the highest QoS the broker grants and accepts
 * @param retainAvailable        whether retained messages are supported
 * @param denySubscribe          topic filters whose subscription is refused (SUBACK 0x80)
 * @param connectTimeoutSeconds  how long a new connection may take to send CONNECT
 * @param responseInformation    the prefix given as Response Information to clients that request it
 * @param ioThreads              event loop threads; 0 means one per two cores (at least one)
 * @param dataDir                where the store keeps sessions, queues and retained messages (created when absent)
 * @param inMemory               keep nothing across restarts: no store, nothing written to disk
 * @param sync                   when the store's write-ahead log reaches the disk
 * @param syncIntervalMillis     how often the log is synced under {@link SyncPolicy#INTERVAL}
 * @param listeners              the listeners; empty means one TCP listener on {@code host}:{@code port}
 * @param passwordFile           the password file (see {@code midge passwd}); null means no passwords are checked
 * @param aclFile                the ACL file; null means every client may publish and subscribe to anything
 * @param maxConnections         connections open at once through all listeners, at most; 0 means no limit
 * @param maxConnectionRate      new connections per second from one address, at most; 0 means no limit
 * @param maxSubscriptions       topic filters one client (session) may be subscribed to, at most; 0 means no limit
 * @param maxPublishRate         PUBLISH packets per second one client may send before it is slowed; 0 means no limit
 * @param logLevel               how much the broker logs: error, warn, info, debug or trace
 * @param maxPublishBandwidth    payload bytes per second one client may publish before it is slowed; 0 means no
 *                               limit
 */
public record BrokerConfig(
        String host,
        int port,
        int maxPacketSize,
        int receiveMaximum,
        int maxInflight,
        int topicAliasMaximum,
        int maxKeepAlive,
        int maxQueuedMessages,
        long maxQueuedBytes,
        QueueOverflow queueOverflow,
        boolean queueQos0,
        long maxSessionExpiry,
        int maximumQos,
        boolean retainAvailable,
        List<String> denySubscribe,
        int connectTimeoutSeconds,
        String responseInformation,
        int ioThreads,
        Path dataDir,
        boolean inMemory,
        SyncPolicy sync,
        long syncIntervalMillis,
        List<ListenerConfig> listeners,
        Path passwordFile,
        Path aclFile,
        int maxConnections,
        int maxConnectionRate,
        int maxSubscriptions,
        int maxPublishRate,
        int maxPublishBandwidth,
        String logLevel) {

    /** The values of log-level, quietest first. */
    public static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    /** What a full queue does with one more message. */
    public enum QueueOverflow {
        /** The new message is dropped (and a 5.0 publisher at QoS 1/2 whose only subscriber is full sees 0x97). */
        DROP_NEW,
        /** The oldest queued message is dropped to make room. */
        DROP_OLDEST
    }

    public BrokerConfig {
        denySubscribe = List.copyOf(denySubscribe);
        listeners = List.copyOf(listeners);
        check(listeners.stream().map(ListenerConfig::name).distinct().count() == listeners.size(),
                "listener names must be unique");
        check(port >= 0 && port <= 65535, "port must be 0-65535, not " + port);
        check(maxPacketSize >= 64, "max-packet-size must be at least 64 bytes, not " + maxPacketSize);
        check(receiveMaximum >= 1 && receiveMaximum <= 65535, "receive-maximum must be 1-65535");
        check(maxInflight >= 1 && maxInflight <= 65535, "max-inflight must be 1-65535");
        check(topicAliasMaximum >= 0 && topicAliasMaximum <= 65535, "topic-alias-maximum must be 0-65535");
        check(maxKeepAlive >= 0 && maxKeepAlive <= 65535, "max-keep-alive must be 0-65535");
        check(maxQueuedMessages >= 0, "max-queued-messages must not be negative");
        check(maxQueuedBytes >= 0, "max-queued-bytes must not be negative");
        check(maxSessionExpiry >= 0 && maxSessionExpiry <= 0xFFFF_FFFFL, "max-session-expiry out of range");
        check(maximumQos >= 0 && maximumQos <= 2, "maximum-qos must be 0, 1 or 2");
        check(connectTimeoutSeconds >= 1, "connect-timeout must be at least 1 second");
        check(ioThreads >= 0, "io-threads must not be negative");
        check(dataDir != null, "data-dir is required");
        check(sync != null, "sync is required");
        check(syncIntervalMillis >= 1, "sync-interval-ms must be at least 1");
        check(maxConnections >= 0, "max-connections must not be negative");
        check(maxConnectionRate >= 0, "max-connection-rate must not be negative");
        check(maxSubscriptions >= 0, "max-subscriptions must not be negative");
        check(maxPublishRate >= 0, "max-publish-rate must not be negative");
        check(maxPublishBandwidth >= 0, "max-publish-bandwidth must not be negative");
        check(LOG_LEVELS.contains(logLevel), "log-level must be one of " + String.join(", ", LOG_LEVELS));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The listeners to open: those configured, else one TCP listener named "default" on host:port. */
    public List<ListenerConfig> effectiveListeners() {
        return listeners.isEmpty() ? List.of(ListenerConfig.tcp("default", host, port)) : listeners;
    }

    public static BrokerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.maxPacketSize = maxPacketSize;
        b.receiveMaximum = receiveMaximum;
        b.maxInflight = maxInflight;
        b.topicAliasMaximum = topicAliasMaximum;
        b.maxKeepAlive = maxKeepAlive;
        b.maxQueuedMessages = maxQueuedMessages;
        b.maxQueuedBytes = maxQueuedBytes;
        b.queueOverflow = queueOverflow;
        b.queueQos0 = queueQos0;
        b.maxSessionExpiry = maxSessionExpiry;
        b.maximumQos = maximumQos;
        b.retainAvailable = retainAvailable;
        b.denySubscribe = denySubscribe;
        b.connectTimeoutSeconds = connectTimeoutSeconds;
        b.responseInformation = responseInformation;
        b.ioThreads = ioThreads;
        b.dataDir = dataDir;
        b.inMemory = inMemory;
        b.sync = sync;
        b.syncIntervalMillis = syncIntervalMillis;
        b.listeners = listeners;
        b.passwordFile = passwordFile;
        b.aclFile = aclFile;
        b.maxConnections = maxConnections;
        b.maxConnectionRate = maxConnectionRate;
        b.maxSubscriptions = maxSubscriptions;
        b.maxPublishRate = maxPublishRate;
        b.maxPublishBandwidth = maxPublishBandwidth;
        b.logLevel = logLevel;
        return b;
    }

    /** Starts from the defaults; set what differs. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 1883;
        private int maxPacketSize = 1 << 20;
        private int receiveMaximum = 1024;
        private int maxInflight = 1024;
        private int topicAliasMaximum = 64;
        private int maxKeepAlive = 0;
        private int maxQueuedMessages = 10_000;
        private long maxQueuedBytes = 64L << 20;
        private QueueOverflow queueOverflow = QueueOverflow.DROP_NEW;
        private boolean queueQos0 = false;
        private long maxSessionExpiry = 0xFFFF_FFFFL;
        private int maximumQos = 2;
        private boolean retainAvailable = true;
        private List<String> denySubscribe = List.of();
        private int connectTimeoutSeconds = 10;
        private String responseInformation = "midge/response/";
        private int ioThreads = 0;
        private Path dataDir = Path.of("data");
        private boolean inMemory = false;
        private SyncPolicy sync = SyncPolicy.ALWAYS;
        private long syncIntervalMillis = 100;
        private List<ListenerConfig> listeners = List.of();
        private Path passwordFile;
        private Path aclFile;
        private int maxConnections = 0;
        private int maxConnectionRate = 0;
        private int maxSubscriptions = 0;
        private int maxPublishRate = 0;
        private int maxPublishBandwidth = 0;
        private String logLevel = "info";

        private Builder() {
        }

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder maxPacketSize(int v) { maxPacketSize = v; return this; }
        public Builder receiveMaximum(int v) { receiveMaximum = v; return this; }
        public Builder maxInflight(int v) { maxInflight = v; return this; }
        public Builder topicAliasMaximum(int v) { topicAliasMaximum = v; return this; }
        public Builder maxKeepAlive(int v) { maxKeepAlive = v; return this; }
        public Builder maxQueuedMessages(int v) { maxQueuedMessages = v; return this; }
        public Builder maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }
        public Builder queueOverflow(QueueOverflow v) { queueOverflow = v; return this; }
        public Builder queueQos0(boolean v) { queueQos0 = v; return this; }
        public Builder maxSessionExpiry(long v) { maxSessionExpiry = v; return this; }
        public Builder maximumQos(int v) { maximumQos = v; return this; }
        public Builder retainAvailable(boolean v) { retainAvailable = v; return this; }
        public Builder denySubscribe(List<String> v) { denySubscribe = v; return this; }
        public Builder connectTimeoutSeconds(int v) { connectTimeoutSeconds = v; return this; }
        public Builder responseInformation(String v) { responseInformation = v; return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder inMemory(boolean v) { inMemory = v; return this; }
        public Builder sync(SyncPolicy v) { sync = v; return this; }
        public Builder syncIntervalMillis(long v) { syncIntervalMillis = v; return this; }
        public Builder listeners(List<ListenerConfig> v) { listeners = v; return this; }
        public Builder passwordFile(Path v) { passwordFile = v; return this; }
        public Builder aclFile(Path v) { aclFile = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder maxConnectionRate(int v) { maxConnectionRate = v; return this; }
        public Builder maxSubscriptions(int v) { maxSubscriptions = v; return this; }
        public Builder maxPublishRate(int v) { maxPublishRate = v; return this; }
        public Builder maxPublishBandwidth(int v) { maxPublishBandwidth = v; return this; }
        public Builder logLevel(String v) { logLevel = v; return this; }

        public BrokerConfig build() {
            return new BrokerConfig(host, port, maxPacketSize, receiveMaximum, maxInflight, topicAliasMaximum,
                    maxKeepAlive, maxQueuedMessages, maxQueuedBytes, queueOverflow, queueQos0, maxSessionExpiry,
                    maximumQos, retainAvailable, denySubscribe, connectTimeoutSeconds, responseInformation,
                    ioThreads, dataDir, inMemory, sync, syncIntervalMillis, listeners, passwordFile, aclFile,
                    maxConnections, maxConnectionRate, maxSubscriptions, maxPublishRate, maxPublishBandwidth,
                    logLevel);
        }
    }
}
