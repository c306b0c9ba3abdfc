package io.midge.broker.routing;

/**
 * The client identifiers reserved for the nodes of a cluster: {@code $cluster/...}. A session under such an
 * identifier stands for another node (its forwarding queue, or its link in); no client on an MQTT listener may use
 * one. The router needs to know them apart for one rule only: a message that came from another node goes to local
 * subscribers and never on to a third node (each node forwards what its own clients publish, once per node).
 */
public final class NodeClientIds {
    /** The prefix of every node's client identifier. */
    public static final String PREFIX = "$cluster/";

    private NodeClientIds() {
    }

    /** Whether the identifier (null for the broker itself) is a node's. */
    public static boolean isNode(String clientId) {
        // Asked for every message routed: the first character settles it for nearly every client identifier.
        return clientId != null && !clientId.isEmpty() && clientId.charAt(0) == '$' && clientId.startsWith(PREFIX);
    }
}
