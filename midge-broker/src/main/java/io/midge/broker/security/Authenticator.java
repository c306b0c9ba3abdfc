package io.midge.broker.security;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a client may connect, from its CONNECT. It may take its time (a slow password hash, a call to
 * another service): the answer completes on any thread and the connection continues on its own loop. Enhanced
 * authentication (MQTT 5 AUTH) is {@link EnhancedAuthenticator}'s.
 */
public interface Authenticator {
    /**
     * @return {@link ReasonCode#SUCCESS} to let the client in, or the CONNACK reason code to refuse it with
     *         (0x86 bad user name or password, 0x87 not authorized, ...)
     */
    CompletionStage<ReasonCode> authenticate(String clientId, String username, Binary password, SocketAddress remote);

    /** Lets everyone in. */
    Authenticator ALLOW_ALL = (clientId, username, password, remote) ->
            java.util.concurrent.CompletableFuture.completedFuture(ReasonCode.SUCCESS);
}
