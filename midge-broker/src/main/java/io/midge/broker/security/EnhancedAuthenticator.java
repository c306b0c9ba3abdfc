package io.midge.broker.security;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import java.net.SocketAddress;

/**
 * One MQTT 5 enhanced authentication method (the Authentication Method of CONNECT and AUTH), such as
 * SCRAM-SHA-256: a challenge and response exchanged in AUTH packets until the server says yes or no.
 */
public interface EnhancedAuthenticator {
    /** The Authentication Method this authenticator speaks. */
    String method();

    /** Starts an exchange for one connection (or one re-authentication). */
    Exchange begin(String clientId, String username);

    /**
     * How long to hold back an exchange a client at {@code remote} starts at CONNECT, in nanoseconds: 0 to start at
     * once, {@link #BUSY} to refuse it (CONNACK 0x89 Server busy). Lets an authenticator slow down repeated
     * failures from one address, as the password check does; by default nothing is held back.
     */
    default long holdBackNanos(SocketAddress remote) {
        return 0;
    }

    /** An exchange a client at {@code remote} started at CONNECT ended in failure. */
    default void failed(SocketAddress remote) {
    }

    /** What {@link #holdBackNanos} answers for an address that has too many attempts waiting already. */
    long BUSY = -1;

    /** The state of one exchange; called on the connection's loop, one step at a time. */
    interface Exchange {
        /** The next step, given the Authentication Data the client sent (null when it sent none). */
        Step respond(Binary clientData);
    }

    /** What the server answers at one step. */
    sealed interface Step {
        /** Send AUTH 0x18 with this data and wait for the client's next AUTH. */
        record Continue(Binary serverData) implements Step {
        }

        /**
         * Authenticated: CONNACK (or AUTH 0x00 when re-authenticating) with this data, which may be null.
         * {@code username} is the user the method authenticated, which becomes the connection's user name (for
         * authorization); null leaves the CONNECT User Name.
         */
        record Success(Binary serverData, String username) implements Step {
            public Success(Binary serverData) {
                this(serverData, null);
            }
        }

        /** Refused with this reason code (0x86, 0x87, 0x8C ...). */
        record Failure(ReasonCode reasonCode) implements Step {
        }
    }
}
