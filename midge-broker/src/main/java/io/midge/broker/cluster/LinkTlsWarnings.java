package io.midge.broker.cluster;

import io.midge.broker.link.WarnOncePerMinute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a link this node opens reports failed TLS: a certificate the other end does not trust (its alert says so), or
 * one of its own this node does not. A warning naming the node and the reason, once a minute for each (a node
 * misconfigured redials every second), at debug in between; under {@link NodeLink}'s logger, whose lines they are.
 */
final class LinkTlsWarnings {
    private static final Logger log = LoggerFactory.getLogger(NodeLink.class);
    /** When each refused link's failure (node and reason) was last logged as a warning. */
    private static final WarnOncePerMinute WARNINGS = new WarnOncePerMinute();

    private LinkTlsWarnings() {
    }

    static void failed(String node, String address, Throwable cause) {
        // The innermost cause says what was wrong with the certificate (BoringSSL's outer message says little).
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root == cause || root.getMessage() == null ? cause.getMessage()
                : cause.getMessage() + ": " + root.getMessage();
        if (WARNINGS.first(node + "\0" + why)) {
            log.warn("Link to node '{}' at {} refused: TLS failed: {} (are both nodes' cluster.tls certificates "
                    + "signed by the other's cluster.tls ca?); logged again in a minute if it goes on", node,
                    address, why);
        } else {
            log.debug("Link to node '{}' at {} refused: TLS failed: {}", node, address, why);
        }
    }
}
