package io.midge.broker.mqtt5;

import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A toy challenge-response method for the tests, "TEST-CHALLENGE": the server sends a random nonce in AUTH 0x18 and
 * the client proves itself by answering with the nonce reversed. It is no security at all; it only exercises the
 * AUTH exchange with a real {@link EnhancedAuthenticator}.
 */
final class ReversedNonceAuthenticator implements EnhancedAuthenticator {
    static final String METHOD = "TEST-CHALLENGE";
    static final Binary WELCOME = Binary.utf8("welcome");

    private final SecureRandom random = new SecureRandom();

    /** What a client answers to a challenge. */
    static Binary answer(Binary challenge) {
        return Binary.utf8(new StringBuilder(challenge.toUtf8()).reverse().toString());
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public Exchange begin(String clientId, String username) {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        String nonce = HexFormat.of().formatHex(bytes);
        return new Exchange() {
            private boolean challenged;

            @Override
            public Step respond(Binary clientData) {
                if (!challenged) {
                    challenged = true; // whatever the client sent first, it gets the challenge
                    return new Step.Continue(Binary.utf8(nonce));
                }
                String expected = new StringBuilder(nonce).reverse().toString();
                if (clientData != null && expected.equals(new String(clientData.toByteArray(),
                        StandardCharsets.UTF_8))) {
                    return new Step.Success(WELCOME);
                }
                return new Step.Failure(ReasonCode.NOT_AUTHORIZED);
            }
        };
    }
}
