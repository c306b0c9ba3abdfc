package io.midge.broker.http;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cookie sessions of {@code POST /api/v1/login}: a random 128-bit token per login, forgotten after 30 minutes
 * without a request, at logout, or when the broker stops (they live in memory only). The token is all a browser
 * holds; who it stands for stays here.
 */
final class LoginSessions {
    static final String COOKIE = "midge_session";
    static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(30);
    /** Logins kept at once, at most: each needs the password, but a loop of logins should not grow the heap. */
    static final int MAX_SESSIONS = 10_000;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();

    private static final class Entry {
        final String user;
        volatile long lastUsedNanos;

        Entry(String user, long now) {
            this.user = user;
            this.lastUsedNanos = now;
        }
    }

    /** A new session for the user; returns its token. */
    String create(String user) {
        long now = System.nanoTime();
        if (sessions.size() >= MAX_SESSIONS) {
            sweep(now);
            if (sessions.size() >= MAX_SESSIONS) {
                // Still full of live logins: the one used least recently goes.
                sessions.entrySet().stream().min((a, b) -> Long.compare(a.getValue().lastUsedNanos,
                        b.getValue().lastUsedNanos)).ifPresent(e -> sessions.remove(e.getKey()));
            }
        }
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sessions.put(token, new Entry(user, now));
        return token;
    }

    /** The user of a live session, its idle time restarted; null when the token is unknown or expired. */
    String user(String token) {
        if (token == null) {
            return null;
        }
        Entry e = sessions.get(token);
        if (e == null) {
            return null;
        }
        long now = System.nanoTime();
        if (now - e.lastUsedNanos > IDLE_NANOS) {
            sessions.remove(token, e);
            return null;
        }
        e.lastUsedNanos = now;
        return e.user;
    }

    void remove(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    private void sweep(long now) {
        for (Iterator<Entry> it = sessions.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastUsedNanos > IDLE_NANOS) {
                it.remove();
            }
        }
    }

    /** The session token among a request's {@code Cookie} header, or null. */
    static String token(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (String part : cookieHeader.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) {
                String value = p.substring(COOKIE.length() + 1);
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }
}
