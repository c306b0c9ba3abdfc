package io.midge.client;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.codec.packet.Auth;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;

/**
 * The packets of MQTT 5.0 enhanced authentication, made with the application's {@link EnhancedAuthenticator}: the
 * Authentication Method and Data of CONNECT, the answer to each AUTH challenge, the AUTH that starts a
 * re-authentication, and the Authentication Data of success passed back.
 */
final class AuthExchange {
    private final EnhancedAuthenticator authenticator;

    AuthExchange(EnhancedAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Adds the Authentication Method and first Authentication Data to CONNECT's properties. */
    void addToConnect(MqttProperties.Builder properties) {
        properties.set(PropertyId.AUTHENTICATION_METHOD, authenticator.method());
        byte[] data = authenticator.initialData();
        if (data != null) {
            properties.set(PropertyId.AUTHENTICATION_DATA, Binary.of(data));
        }
    }

    /** The AUTH 0x19 that starts a re-authentication. */
    Auth reauthentication() {
        return new Auth(ReasonCode.REAUTHENTICATE, properties(authenticator.initialData()));
    }

    /**
     * The AUTH 0x18 answering the broker's challenge.
     *
     * @throws MqttClientException when the authenticator gives up
     */
    Auth answer(Auth challenge) {
        byte[] answer;
        try {
            answer = authenticator.challenge(data(challenge.properties()));
        } catch (MqttClientException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MqttClientException(MqttClientException.Kind.AUTHENTICATION_FAILED,
                    "authentication failed: " + e.getMessage(), e);
        }
        return new Auth(ReasonCode.CONTINUE_AUTHENTICATION, properties(answer));
    }

    /** The broker accepted: the properties are its CONNACK's or AUTH 0x00's. */
    void succeeded(MqttProperties properties) {
        authenticator.succeeded(data(properties));
    }

    private MqttProperties properties(byte[] data) {
        MqttProperties.Builder b = MqttProperties.builder()
                .set(PropertyId.AUTHENTICATION_METHOD, authenticator.method());
        if (data != null) {
            b.set(PropertyId.AUTHENTICATION_DATA, Binary.of(data));
        }
        return b.build();
    }

    private static byte[] data(MqttProperties properties) {
        Binary data = properties.binary(PropertyId.AUTHENTICATION_DATA);
        return data == null ? null : data.toByteArray();
    }
}
