package io.midge.broker.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the server keeps of a password for SCRAM-SHA-256 (RFC 5802, RFC 7677): the salt, the iteration count, and
 * StoredKey and ServerKey derived from SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, iterations). The password
 * itself cannot be recovered from them, and a client proves it knows the password without sending it. Written
 * {@code $scram-sha-256$<iterations>$<salt>$<StoredKey>$<ServerKey>} (standard base64). The password is used as its
 * UTF-8 bytes, without SASLprep (as {@link PasswordHash} does).
 */
public final class ScramCredential {
    public static final String PREFIX = "$scram-sha-256$";
    /** RFC 7677 section 4: at least 4096 iterations. */
    public static final int MIN_ITERATIONS = 4096;
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;

    ScramCredential(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
        this.iterations = iterations;
        this.salt = salt;
        this.storedKey = storedKey;
        this.serverKey = serverKey;
    }

    /**
     * Derives the credential with a fresh random salt; fewer than {@link #MIN_ITERATIONS} iterations are raised to
     * it.
     */
    public static ScramCredential create(char[] password, int iterations) {
        int rounds = Math.max(MIN_ITERATIONS, Math.min(iterations, PasswordHash.MAX_ITERATIONS));
        byte[] salt = new byte[PasswordHash.SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] salted = saltedPassword(password, salt, rounds);
        try {
            return new ScramCredential(rounds, salt, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /**
     * Reads the written form.
     *
     * @throws IllegalArgumentException with the reason when the text is not a credential this class writes
     */
    public static ScramCredential parse(String text) {
        String format = "unknown SCRAM format (expected " + PREFIX + "<iterations>$<salt>$<StoredKey>$<ServerKey>)";
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException(format);
        }
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(format);
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SCRAM iteration count '" + parts[0] + "' is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
            throw new IllegalArgumentException("SCRAM iteration count " + iterations + " is outside "
                    + MIN_ITERATIONS + ".." + PasswordHash.MAX_ITERATIONS);
        }
        byte[] salt = decode(parts[1], "SCRAM salt");
        byte[] storedKey = decode(parts[2], "SCRAM StoredKey");
        byte[] serverKey = decode(parts[3], "SCRAM ServerKey");
        if (salt.length < 8) {
            throw new IllegalArgumentException("SCRAM salt of " + salt.length + " bytes is shorter than 8");
        }
        if (storedKey.length != KEY_BYTES || serverKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("SCRAM keys must be " + KEY_BYTES + " bytes");
        }
        return new ScramCredential(iterations, salt, storedKey, serverKey);
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid base64");
        }
    }

    public String encoded() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + "$"
                + b64.encodeToString(serverKey);
    }

    public int iterations() {
        return iterations;
    }

    byte[] salt() {
        return salt.clone();
    }

    /**
     * Whether the proof is the client's for this AuthMessage: ClientKey = proof XOR HMAC(StoredKey, AuthMessage)
     * must hash to StoredKey. Compared in constant time.
     */
    boolean verifies(byte[] proof, String authMessage) {
        byte[] signature = hmac(storedKey, authMessage);
        if (proof.length != signature.length) {
            return false;
        }
        byte[] clientKey = new byte[signature.length];
        for (int i = 0; i < signature.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ signature[i]);
        }
        return MessageDigest.isEqual(sha256(clientKey), storedKey);
    }

    /** ServerSignature = HMAC(ServerKey, AuthMessage): proves to the client that the server knew its password. */
    byte[] serverSignature(String authMessage) {
        return hmac(serverKey, authMessage);
    }

    static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEY_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    static byte[] hmac(byte[] key, String text) {
        return hmac(key, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Never the keys: this ends up in logs. */
    @Override
    public String toString() {
        return "ScramCredential[scram-sha-256, " + iterations + " iterations]";
    }
}
