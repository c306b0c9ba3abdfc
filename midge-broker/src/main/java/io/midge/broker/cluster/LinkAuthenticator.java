package io.midge.broker.cluster;

import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;

/**
 * How a node proves itself on the link listener: MQTT 5 enhanced authentication with method
 * {@value #METHOD}. The connecting node sends a nonce in CONNECT, this node answers AUTH with its own, the
 * connecting node sends its HMAC over both, and CONNACK carries this node's HMAC back, so each side knows the other
 * has the secret and no proof can be replayed. Only identifiers of the form {@code $cluster/from/<node>} may
 * authenticate; the link listener takes no other method, and the MQTT listeners neither this method nor such an
 * identifier.
 */
final class LinkAuthenticator implements EnhancedAuthenticator {
    static final String METHOD = "midge-cluster-hmac";

    private final LinkSecret secret;

    LinkAuthenticator(LinkSecret secret) {
        this.secret = secret;
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public Exchange begin(String clientId, String username) {
        return new Exchange() {
            private byte[] clientNonce;
            private byte[] serverNonce;

            @Override
            public Step respond(Binary clientData) {
                if (!clientId.startsWith(NodeLink.LINK_PREFIX) || clientData == null) {
                    return new Step.Failure(ReasonCode.NOT_AUTHORIZED);
                }
                if (clientNonce == null) {
                    clientNonce = clientData.toByteArray();
                    if (clientNonce.length != LinkSecret.NONCE_BYTES) {
                        return new Step.Failure(ReasonCode.NOT_AUTHORIZED);
                    }
                    serverNonce = LinkSecret.nonce();
                    return new Step.Continue(Binary.of(serverNonce));
                }
                byte[] expected = secret.proof("client", clientId, clientNonce, serverNonce);
                if (!LinkSecret.same(expected, clientData.toByteArray())) {
                    return new Step.Failure(ReasonCode.NOT_AUTHORIZED);
                }
                return new Step.Success(Binary.of(secret.proof("server", clientId, clientNonce, serverNonce)),
                        clientId);
            }
        };
    }
}
