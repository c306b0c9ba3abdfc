package io.midge.broker.cluster;

/**
 * Which node owns a client's session, as the cluster's session registry holds it ({@link SessionOwners}).
 * {@code epoch} is the fencing token: every move of the session to another node raises it, so a node holding a copy
 * under an older one knows it lost the session. {@code persistent}: the session outlives its connection (expiry above
 * 0), so while its node is down it must not be started afresh elsewhere.
 */
record SessionOwner(String node, long epoch, boolean persistent) {

    /** As stored in Hazelcast: {@code <epoch> <p|e> <node>} (a node identifier may hold any character). */
    String encode() {
        return epoch + (persistent ? " p " : " e ") + node;
    }

    static SessionOwner decode(String value) {
        if (value == null) {
            return null;
        }
        int first = value.indexOf(' ');
        int second = value.indexOf(' ', first + 1);
        if (first < 0 || second != first + 2) {
            throw new IllegalArgumentException("not a session owner: " + value);
        }
        return new SessionOwner(value.substring(second + 1), Long.parseLong(value.substring(0, first)),
                value.charAt(first + 1) == 'p');
    }
}
