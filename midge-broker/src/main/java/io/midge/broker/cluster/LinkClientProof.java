package io.midge.broker.cluster;

import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;

/**
 * The connecting node's side of the link's proof ({@link LinkAuthenticator} is the listener's): CONNECT with this
 * node's nonce, AUTH with its HMAC over both nonces once the other node sent its own, and the check of the other
 * node's HMAC in CONNACK. Apart from {@link NodeLink} so that the link's handler deals with the channel and the
 * queue's traffic, and the bytes of the proof are read in one place. One per connection attempt; on its loop.
 */
final class LinkClientProof {
    private final String clientId;
    private final LinkSecret secret;
    private final byte[] clientNonce = LinkSecret.nonce();
    private byte[] serverNonce;

    LinkClientProof(String clientId, LinkSecret secret) {
        this.clientId = clientId;
        this.secret = secret;
    }

    /** The CONNECT that opens the exchange: a session that never expires, and this node's nonce. */
    Connect connect(int keepAliveSeconds) {
        MqttProperties props = MqttProperties.builder()
                .add(PropertyId.SESSION_EXPIRY_INTERVAL, 0xFFFF_FFFFL)
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA, Binary.of(clientNonce))
                .build();
        return new Connect(MqttVersion.MQTT_5, clientId, false, keepAliveSeconds, null, null, null, props);
    }

    /** The answer to the other node's AUTH (its nonce): this node's proof; null when that AUTH is unexpected. */
    Auth answer(Auth auth) {
        Binary data = auth.properties().binary(PropertyId.AUTHENTICATION_DATA);
        if (auth.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION || data == null || serverNonce != null) {
            return null;
        }
        serverNonce = data.toByteArray();
        MqttProperties props = MqttProperties.builder()
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA,
                        Binary.of(secret.proof("client", clientId, clientNonce, serverNonce)))
                .build();
        return new Auth(ReasonCode.CONTINUE_AUTHENTICATION, props);
    }

    /** Why CONNACK does not show that the other node knows the secret, for the log; null when it does. */
    String refusal(ConnAck connAck) {
        if (connAck.reasonCode() != ReasonCode.SUCCESS) {
            return "CONNACK " + connAck.reasonCode() + " (is cluster.secret the same on every node, and cluster.name?)";
        }
        Binary proof = connAck.properties().binary(PropertyId.AUTHENTICATION_DATA);
        if (serverNonce == null || proof == null || !LinkSecret.same(proof.toByteArray(),
                secret.proof("server", clientId, clientNonce, serverNonce))) {
            return "a CONNACK without proof that it knows the cluster secret";
        }
        return null;
    }
}
