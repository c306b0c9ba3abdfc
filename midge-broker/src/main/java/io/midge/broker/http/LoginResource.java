package io.midge.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /api/v1/login} and {@code /logout}: a cookie session for the dashboard, so that a browser need not
 * keep a password. The cookie is {@code HttpOnly} (no script reads it), {@code SameSite=Strict} (no other site's
 * page sends it) and {@code Secure} over HTTPS.
 */
final class LoginResource {
    private final HttpLogin login;

    LoginResource(HttpLogin login) {
        this.login = login;
    }

    CompletionStage<ApiResponse> login(ApiRequest request) {
        JsonNode body = request.jsonBody();
        String user = field(body, "username");
        String password = field(body, "password");
        return login.logIn(user, password, request.remote()).thenApply(result -> switch (result.outcome()) {
            case ALLOWED -> ApiResponse.noContent().header("Set-Cookie", LoginSessions.COOKIE + "="
                    + login.sessions().create(user) + attributes(request));
            case NOT_ADMIN -> throw new Refusal(HttpLogin.Outcome.NOT_ADMIN);
            case BUSY -> throw ApiError.unavailable("the broker is busy checking passwords; try again");
            default -> throw new Refusal(HttpLogin.Outcome.BAD_CREDENTIALS);
        });
    }

    ApiResponse logout(ApiRequest request) {
        login.sessions().remove(LoginSessions.token(request.cookie()));
        return ApiResponse.noContent().header("Set-Cookie", LoginSessions.COOKIE + "=" + attributes(request)
                + "; Max-Age=0");
    }

    private static String attributes(ApiRequest request) {
        return "; HttpOnly; SameSite=Strict; Path=/" + (request.secure() ? "; Secure" : "");
    }

    private static String field(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw ApiError.badRequest(name, name + " is required (a string)");
        }
        return value.asText();
    }

    /** A login refused for its credentials or rights: answered as any refused request (401/403, counted, logged). */
    static final class Refusal extends RuntimeException {
        final HttpLogin.Outcome outcome;

        Refusal(HttpLogin.Outcome outcome) {
            super(outcome.name(), null, false, false);
            this.outcome = outcome;
        }

        HttpResponseStatus status() {
            return outcome == HttpLogin.Outcome.NOT_ADMIN ? HttpResponseStatus.FORBIDDEN
                    : HttpResponseStatus.UNAUTHORIZED;
        }
    }
}
