package io.midge.broker.security;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.broker.limits.FailureThrottle;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * MQTT 5 enhanced authentication with SCRAM-SHA-256 (RFC 5802, RFC 7677) against the users of a password file that
 * have a SCRAM credential ({@code midge passwd} writes one). The exchange:
 * <ol>
 * <li>CONNECT with Authentication Method {@code SCRAM-SHA-256} and Authentication Data = client-first-message
 *     ({@code n,,n=USER,r=CLIENT-NONCE});</li>
 * <li>AUTH 0x18 with server-first-message ({@code r=NONCE,s=SALT,i=ITERATIONS});</li>
 * <li>AUTH 0x18 with client-final-message ({@code c=biws,r=NONCE,p=PROOF});</li>
 * <li>CONNACK 0x00 with server-final-message ({@code v=SIGNATURE}), or CONNACK 0x86.</li>
 * </ol>
 * Re-authentication (AUTH 0x19) runs the same exchange and ends in AUTH 0x00. The user of the exchange becomes the
 * connection's user name; a CONNECT User Name, when given, must be the same user.
 *
 * <p>Whether a user exists is not revealed: an unknown user (or one without a SCRAM credential) gets a salt derived
 * from a secret of the password file and the user name, the same one every time (across restarts too), and the
 * usual iteration count, and is refused only after the client's proof, with the same 0x86 as a wrong password. The
 * server computes only HMACs (the slow PBKDF2 is the client's), so this runs on the event loop. Channel binding is
 * not supported.
 */
public final class ScramSha256Authenticator implements EnhancedAuthenticator {
    public static final String METHOD = "SCRAM-SHA-256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supplier<PasswordFile> users;
    /** Derives the stand-in salts of unknown users when no user has a SCRAM credential (see {@link #secret}). */
    private final byte[] randomSecret = new byte[32];
    /** The secret derived from the file now in use, and that file. */
    private volatile Secret derived;

    private record Secret(PasswordFile file, byte[] key) {
    }

    /** Slows down repeated failures from one address; shared with the password check of the same users. */
    private final FailureThrottle throttle;
    private final AtomicLong throttled = new AtomicLong();

    /** Reads the users from {@code users} at every exchange, so that a reloaded file applies to the next one. */
    public ScramSha256Authenticator(Supplier<PasswordFile> users) {
        this(users, FailureThrottle.standard());
    }

    ScramSha256Authenticator(Supplier<PasswordFile> users, FailureThrottle throttle) {
        this.users = users;
        this.throttle = throttle;
        RANDOM.nextBytes(randomSecret);
    }

    @Override
    public long holdBackNanos(SocketAddress remote) {
        long delay = throttle.reserveNanos(remote);
        if (delay != 0) {
            throttled.incrementAndGet();
        }
        return delay;
    }

    @Override
    public void failed(SocketAddress remote) {
        throttle.recordFailure(remote);
    }

    /** How many exchanges the failure throttle held back (or refused as busy) so far. */
    public long throttledAnswers() {
        return throttled.get();
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public Exchange begin(String clientId, String username) {
        return new ScramExchange(username);
    }

    /** One exchange: client-first, then client-final. */
    private final class ScramExchange implements Exchange {
        private final String expectedUser;
        private String user;
        private ScramCredential credential;
        private boolean known;
        private String clientFirstBare;
        private String serverFirst;
        private String nonce;

        ScramExchange(String expectedUser) {
            this.expectedUser = expectedUser;
        }

        @Override
        public Step respond(Binary clientData) {
            if (clientData == null) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            String message = clientData.toUtf8();
            return serverFirst == null ? clientFirst(message) : clientFinal(message);
        }

        private Step clientFirst(String message) {
            // gs2-header: "n,," or "y,," (no channel binding, no authorization identity).
            if (!message.startsWith("n,,") && !message.startsWith("y,,")) {
                return new Step.Failure(ReasonCode.BAD_AUTHENTICATION_METHOD);
            }
            clientFirstBare = message.substring(3);
            String[] attributes = clientFirstBare.split(",", -1);
            if (attributes.length < 2 || !attributes[0].startsWith("n=") || !attributes[1].startsWith("r=")
                    || attributes[1].length() <= 2) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            user = saslName(attributes[0].substring(2));
            if (user == null || user.isEmpty()) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            credential = users.get().scramOf(user);
            known = credential != null;
            if (!known) {
                credential = standIn(user);
            }
            byte[] serverNonce = new byte[18];
            RANDOM.nextBytes(serverNonce);
            nonce = attributes[1].substring(2) + Base64.getEncoder().encodeToString(serverNonce);
            serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i="
                    + credential.iterations();
            return new Step.Continue(Binary.utf8(serverFirst));
        }

        private Step clientFinal(String message) {
            int proofAt = message.lastIndexOf(",p=");
            if (proofAt < 0) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            String withoutProof = message.substring(0, proofAt);
            String[] attributes = withoutProof.split(",", -1);
            if (attributes.length < 2 || !attributes[0].startsWith("c=") || !attributes[1].equals("r=" + nonce)) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            byte[] proof;
            try {
                proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
            } catch (IllegalArgumentException e) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            // The stand-in credential goes through the same computation, so a refusal costs the same either way.
            boolean proven = credential.verifies(proof, authMessage) && known;
            if (!proven || expectedUser != null && !expectedUser.equals(user)) {
                return new Step.Failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            }
            String serverFinal = "v=" + Base64.getEncoder().encodeToString(credential.serverSignature(authMessage));
            return new Step.Success(Binary.utf8(serverFinal), user);
        }
    }

    /**
     * What an unknown user seems to have: a salt and keys derived from this broker's secret and the name, and the
     * iteration count of the file's users, so that the answer looks like a known user's.
     */
    private ScramCredential standIn(String user) {
        byte[] secret = secret();
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] salt = Arrays.copyOf(ScramCredential.hmac(secret, concat("salt:", name)), PasswordHash.SALT_BYTES);
        return new ScramCredential(typicalIterations(), salt, ScramCredential.hmac(secret, concat("stored:", name)),
                ScramCredential.hmac(secret, concat("server:", name)));
    }

    /**
     * The key of the stand-in salts: derived from the first SCRAM user's ServerKey (a secret of the file), so that
     * an unknown user's salt stays the same across restarts, as a real user's does; a salt that changed with every
     * restart would tell them apart.
     */
    private byte[] secret() {
        PasswordFile file = users.get();
        Secret current = derived;
        if (current != null && current.file() == file) {
            return current.key();
        }
        byte[] key = randomSecret;
        for (String u : file.users()) {
            ScramCredential c = file.scramOf(u);
            if (c != null) {
                key = c.serverSignature("midge stand-in salt key");
                break;
            }
        }
        derived = new Secret(file, key);
        return key;
    }

    private int typicalIterations() {
        PasswordFile file = users.get();
        for (String u : file.users()) {
            ScramCredential c = file.scramOf(u);
            if (c != null) {
                return c.iterations();
            }
        }
        return Math.max(ScramCredential.MIN_ITERATIONS, PasswordHash.DEFAULT_ITERATIONS);
    }

    private static byte[] concat(String prefix, byte[] name) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + name.length);
        System.arraycopy(name, 0, all, head.length, name.length);
        return all;
    }

    /** A saslname with its escapes undone ({@code =2C} is a comma, {@code =3D} an equals sign); null if malformed. */
    static String saslName(String text) {
        StringBuilder name = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '=') {
                name.append(c);
            } else if (text.startsWith("=2C", i)) {
                name.append(',');
                i += 2;
            } else if (text.startsWith("=3D", i)) {
                name.append('=');
                i += 2;
            } else {
                return null;
            }
        }
        return name.toString();
    }
}
