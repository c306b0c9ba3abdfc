package io.midge.broker.http;

import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who may see the HTTP listener's protected pages: anyone where anonymous requests are allowed, else a user of the
 * password file (HTTP Basic) whom the ACL file grants {@code admin}. The password is checked by the MQTT listeners'
 * own authenticator, so HTTP gets the same hashing pool and the same slowing-down of addresses that keep failing.
 */
final class HttpLogin {
    /** What a request's credentials come to. */
    enum Outcome { ALLOWED, NO_CREDENTIALS, BAD_CREDENTIALS, NOT_ADMIN, BUSY }

    private static final String BASIC = "basic ";

    private final boolean anonymousAllowed;
    private final Authenticator authenticator;
    private final Authorizer authorizer;

    HttpLogin(boolean anonymousAllowed, Authenticator authenticator, Authorizer authorizer) {
        this.anonymousAllowed = anonymousAllowed;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
    }

    /** Checks an {@code Authorization} header (null when the request had none). */
    CompletionStage<Outcome> check(String authorization, SocketAddress remote) {
        if (anonymousAllowed) {
            return CompletableFuture.completedFuture(Outcome.ALLOWED);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return CompletableFuture.completedFuture(Outcome.NO_CREDENTIALS);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Outcome.NO_CREDENTIALS);
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return CompletableFuture.completedFuture(Outcome.NO_CREDENTIALS);
        }
        String user = decoded.substring(0, colon);
        Binary password = Binary.utf8(decoded.substring(colon + 1));
        return authenticator.authenticate(null, user, password, remote).thenApply(code -> {
            if (code == ReasonCode.SUCCESS) {
                return authorizer.isAdmin(user) ? Outcome.ALLOWED : Outcome.NOT_ADMIN;
            }
            return code == ReasonCode.SERVER_BUSY ? Outcome.BUSY : Outcome.BAD_CREDENTIALS;
        });
    }
}
