package io.midge.broker.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * One salted, slow password hash: PBKDF2 with HMAC-SHA512, written
 * {@code $pbkdf2-sha512$<iterations>$<salt, base64>$<hash, base64>} (standard base64 alphabet, padding optional).
 * The password is hashed as the UTF-8 bytes of its characters (what the JDK's PBKDF2 does with a {@code char[]}).
 */
public final class PasswordHash {
    public static final String PREFIX = "$pbkdf2-sha512$";
    public static final int DEFAULT_ITERATIONS = 210_000;
    /** Fewer iterations than this make a hash too cheap to be worth the name; more is a typo that stalls logins. */
    public static final int MIN_ITERATIONS = 1_000;
    public static final int MAX_ITERATIONS = 10_000_000;
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 64;
    private static final int MIN_SALT_BYTES = 8;
    private static final int MIN_HASH_BYTES = 16;
    private static final int MAX_HASH_BYTES = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Hashes a password with a fresh random salt and {@link #DEFAULT_ITERATIONS}. */
    public static PasswordHash create(char[] password) {
        return create(password, DEFAULT_ITERATIONS);
    }

    /** Hashes a password with a fresh random salt. */
    public static PasswordHash create(char[] password, int iterations) {
        checkIterations(iterations);
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new PasswordHash(iterations, salt, pbkdf2(password, salt, iterations, HASH_BYTES));
    }

    /**
     * A hash no password matches in practice (random salt and hash) that costs as much to check as a real one with
     * these iterations: checked for unknown users so that the time to answer does not tell who exists.
     */
    static PasswordHash dummy(int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        byte[] hash = new byte[HASH_BYTES];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(hash);
        return new PasswordHash(iterations, salt, hash);
    }

    /**
     * Reads the written form.
     *
     * @throws IllegalArgumentException with the reason when the text is not a hash this class writes
     */
    public static PasswordHash parse(String text) {
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("unknown hash format (expected " + PREFIX + "<iterations>$<salt>$<hash>)");
        }
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("unknown hash format (expected " + PREFIX + "<iterations>$<salt>$<hash>)");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iteration count '" + parts[0] + "' is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iteration count " + iterations + " is outside "
                    + MIN_ITERATIONS + ".." + MAX_ITERATIONS);
        }
        byte[] salt = decode(parts[1], "salt");
        byte[] hash = decode(parts[2], "hash");
        if (salt.length < MIN_SALT_BYTES) {
            throw new IllegalArgumentException("salt of " + salt.length + " bytes is shorter than " + MIN_SALT_BYTES);
        }
        if (hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) {
            throw new IllegalArgumentException("hash of " + hash.length + " bytes is outside "
                    + MIN_HASH_BYTES + ".." + MAX_HASH_BYTES);
        }
        return new PasswordHash(iterations, salt, hash);
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid base64");
        }
    }

    /** Whether the password hashes to this hash; the comparison takes the same time wherever the bytes differ. */
    public boolean matches(char[] password) {
        return MessageDigest.isEqual(pbkdf2(password, salt, iterations, hash.length), hash);
    }

    public int iterations() {
        return iterations;
    }

    /** The written form, {@code $pbkdf2-sha512$<iterations>$<salt>$<hash>}. */
    public String encoded() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static void checkIterations(int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iteration count " + iterations + " is outside "
                    + MIN_ITERATIONS + ".." + MAX_ITERATIONS);
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bytes) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && iterations == other.iterations
                && Arrays.equals(salt, other.salt) && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(salt) + Arrays.hashCode(hash);
    }

    /** Never the hash itself: it ends up in logs. */
    @Override
    public String toString() {
        return "PasswordHash[pbkdf2-sha512, " + iterations + " iterations]";
    }
}
