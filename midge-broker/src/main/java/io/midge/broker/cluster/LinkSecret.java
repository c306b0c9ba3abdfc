package io.midge.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's shared secret as the links use it: a key derived from cluster name and secret, HMAC-SHA256 proofs
 * over both sides' nonces, and the Hazelcast cluster name. Hazelcast's community edition authenticates no member,
 * so the secret is folded into the name it joins under: nodes with different secrets never merge, though that is a
 * guard against mistakes, not against an attacker on the network (see the README).
 */
final class LinkSecret {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int NONCE_BYTES = 16;

    private final byte[] key;
    private final String hazelcastName;

    LinkSecret(String clusterName, String secret) {
        this.key = sha256("midge-cluster-link\0" + clusterName + "\0" + secret);
        this.hazelcastName = clusterName + "-" + HexFormat.of().formatHex(sha256("midge-cluster-name\0" + secret), 0, 8);
    }

    /** The name the Hazelcast members join under. */
    String hazelcastName() {
        return hazelcastName;
    }

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** The proof that one side ({@code "client"} or {@code "server"}) knows the secret, for this exchange. */
    byte[] proof(String side, String clientId, byte[] clientNonce, byte[] serverNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(side.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(clientId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(clientNonce);
            mac.update(serverNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Compares in constant time, so that the time taken tells nothing of a proof. */
    static boolean same(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
