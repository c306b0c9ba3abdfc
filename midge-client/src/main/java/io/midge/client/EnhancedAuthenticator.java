package io.midge.client;

/**
 * The client's half of an MQTT 5.0 enhanced authentication method (SCRAM, Kerberos, a token exchange ...): the
 * Authentication Method sent in CONNECT, its first Authentication Data, and a step function that answers each
 * challenge the broker sends in AUTH 0x18. Called on the client's event loop, one step at a time; do not block.
 */
public interface EnhancedAuthenticator {
    /** The Authentication Method, e.g. {@code SCRAM-SHA-256}. */
    String method();

    /** The Authentication Data of CONNECT (or of a re-authentication's AUTH 0x19), or null for none. */
    byte[] initialData();

    /**
     * The answer to one challenge: the Authentication Data of the client's next AUTH 0x18.
     *
     * @param serverData the broker's Authentication Data, or null when it sent none
     * @throws MqttClientException to give up (kind {@code AUTHENTICATION_FAILED}, say); the connection attempt then
     *                             fails with it. Any other exception fails it with kind AUTHENTICATION_FAILED.
     */
    byte[] challenge(byte[] serverData);

    /** The broker accepted the exchange; {@code serverData} is the Authentication Data of its CONNACK or AUTH 0x00. */
    default void succeeded(byte[] serverData) {
    }
}
