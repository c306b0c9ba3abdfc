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
 * password file whom the ACL file grants {@code admin}, by HTTP Basic or by the {@code midge_session} cookie of
 * {@code POST /api/v1/login}. The password is checked by the MQTT listeners' own authenticator, so HTTP gets the
 * same hashing pool and the same slowing-down of addresses that keep failing. Where anonymous requests are allowed,
 * credentials that check out still name the user (the ACL then judges the API's publishes as theirs).
 */
final class HttpLogin {
    /** What a request's credentials come to. */
    enum Outcome { ALLOWED, NO_CREDENTIALS, BAD_CREDENTIALS, NOT_ADMIN, BUSY }

    /** The outcome, and the user it is for (null when anonymous or refused). */
    record Login(Outcome outcome, String user) {
        static final Login ANONYMOUS = new Login(Outcome.ALLOWED, null);
    }

    private static final String BASIC = "basic ";

    private final boolean anonymousAllowed;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final LoginSessions sessions = new LoginSessions();

    HttpLogin(boolean anonymousAllowed, Authenticator authenticator, Authorizer authorizer) {
        this.anonymousAllowed = anonymousAllowed;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
    }

    LoginSessions sessions() {
        return sessions;
    }

    /** Checks an {@code Authorization} header and a {@code Cookie} header (null when the request had none). */
    CompletionStage<Login> check(String authorization, String cookie, SocketAddress remote) {
        String sessionUser = sessions.user(LoginSessions.token(cookie));
        if (sessionUser != null) {
            // Rights are asked again at every request: a reloaded ACL file that took admin away applies at once.
            Login login = authorizer.isAdmin(sessionUser) ? new Login(Outcome.ALLOWED, sessionUser)
                    : new Login(Outcome.NOT_ADMIN, sessionUser);
            return done(anonymousAllowed && login.outcome() != Outcome.ALLOWED ? Login.ANONYMOUS : login);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return done(anonymousAllowed ? Login.ANONYMOUS : new Login(Outcome.NO_CREDENTIALS, null));
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return done(anonymousAllowed ? Login.ANONYMOUS : new Login(Outcome.NO_CREDENTIALS, null));
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return done(anonymousAllowed ? Login.ANONYMOUS : new Login(Outcome.NO_CREDENTIALS, null));
        }
        return logIn(decoded.substring(0, colon), decoded.substring(colon + 1), remote).thenApply(login ->
                anonymousAllowed && login.outcome() != Outcome.ALLOWED ? Login.ANONYMOUS : login);
    }

    /** Checks a user name and password, as Basic does (and {@code POST /api/v1/login}). */
    CompletionStage<Login> logIn(String user, String password, SocketAddress remote) {
        return authenticator.authenticate(null, user, Binary.utf8(password), remote).thenApply(code -> {
            if (code == ReasonCode.SUCCESS) {
                return authorizer.isAdmin(user) ? new Login(Outcome.ALLOWED, user) : new Login(Outcome.NOT_ADMIN, user);
            }
            return new Login(code == ReasonCode.SERVER_BUSY ? Outcome.BUSY : Outcome.BAD_CREDENTIALS, null);
        });
    }

    private static CompletionStage<Login> done(Login login) {
        return CompletableFuture.completedFuture(login);
    }
}
