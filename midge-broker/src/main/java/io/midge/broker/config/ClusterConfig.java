package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.CLUSTER_HOST;
import static io.midge.broker.config.ConfigKeys.CLUSTER_LINK_PORT;
import static io.midge.broker.config.ConfigKeys.CLUSTER_MAX_QUEUED_BYTES;
import static io.midge.broker.config.ConfigKeys.CLUSTER_MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.CLUSTER_MEMBERS;
import static io.midge.broker.config.ConfigKeys.CLUSTER_NAME;
import static io.midge.broker.config.ConfigKeys.CLUSTER_NODE_ID;
import static io.midge.broker.config.ConfigKeys.CLUSTER_PORT;
import static io.midge.broker.config.ConfigKeys.CLUSTER_SECRET;
import static io.midge.broker.config.ConfigKeys.CLUSTER_TLS;

import java.util.List;

/**
 * The cluster this broker is a node of: the {@link ConfigArea#CLUSTER} keys. Without members there is no cluster,
 * and nothing of it runs. Checked as the configuration is built, so that a node that could not be trusted on the
 * network (no secret off the loopback) never starts.
 */
public final class ClusterConfig {
    private final boolean enabled;
    private final String nodeId;
    private final String host;
    private final int port;
    private final List<String> members;
    private final String name;
    private final String secret;
    private final int linkPort;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final TlsConfig tls;

    ClusterConfig(Settings settings) {
        this.host = settings.get(CLUSTER_HOST);
        this.port = settings.get(CLUSTER_PORT);
        this.members = settings.get(CLUSTER_MEMBERS);
        this.name = settings.get(CLUSTER_NAME);
        this.secret = settings.get(CLUSTER_SECRET);
        this.linkPort = settings.get(CLUSTER_LINK_PORT);
        this.maxQueuedMessages = settings.get(CLUSTER_MAX_QUEUED_MESSAGES);
        this.maxQueuedBytes = settings.get(CLUSTER_MAX_QUEUED_BYTES);
        this.tls = settings.get(CLUSTER_TLS);
        this.enabled = !members.isEmpty();
        String id = settings.get(CLUSTER_NODE_ID);
        this.nodeId = id != null ? id : host + ":" + port;
        if (!enabled) {
            return;
        }
        for (String member : members) {
            int colon = member.lastIndexOf(':');
            if (colon <= 0 || !isPort(member.substring(colon + 1))) {
                throw new IllegalArgumentException("'cluster.members' must list host:port addresses, not '"
                        + member + "'");
            }
        }
        if (nodeId.isBlank() || nodeId.contains("/") || nodeId.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("'cluster.node-id' must be a non-empty name without '/' or control "
                    + "characters, not '" + nodeId + "'");
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("'cluster.name' must not be empty");
        }
        if (!ListenerConfig.isLoopback(host) && (secret == null || secret.isBlank())) {
            throw new IllegalArgumentException("'cluster.secret' is required when 'cluster.host' (" + host
                    + ") is not a loopback address: without it anyone who reaches the port could join the cluster "
                    + "and read every message");
        }
    }

    private static boolean isPort(String text) {
        try {
            int p = Integer.parseInt(text);
            return p > 0 && p <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The bound of each forwarding queue to another node, in messages ({@code cluster.max-queued-messages}). */
    public int maxQueuedMessages() {
        return maxQueuedMessages;
    }

    /** The bound of each forwarding queue to another node, in payload bytes. */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /** Whether this broker is a node of a cluster (members are configured). */
    public boolean enabled() {
        return enabled;
    }

    /** This node's name: as configured, else {@code host:port} of its cluster address. */
    public String nodeId() {
        return nodeId;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The nodes to join, {@code host:port}. */
    public List<String> members() {
        return members;
    }

    public String name() {
        return name;
    }

    /** The shared secret, or an empty text when none is configured (loopback only). */
    public String secret() {
        return secret == null ? "" : secret;
    }

    /**
     * TLS on the links between nodes, mutual (client certificates required, checked against its CA); null for plain
     * TCP.
     */
    public TlsConfig tls() {
        return tls;
    }

    /** The port of the link listener; 0 for any free one. */
    public int linkPort() {
        return linkPort;
    }
}
