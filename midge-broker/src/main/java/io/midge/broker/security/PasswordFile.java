package io.midge.broker.security;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The users who may connect and their password hashes, as read from and written to a password file. Immutable:
 * {@link #with} and {@link #without} return changed copies.
 *
 * <h2>File format</h2>
 * UTF-8 text, one user per line:
 * <pre>
 * username:$pbkdf2-sha512$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;
 * username:$pbkdf2-sha512$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt; $scram-sha-256$&lt;iterations&gt;$&lt;salt&gt;$&lt;StoredKey&gt;$&lt;ServerKey&gt;
 * </pre>
 * for example {@code alice:$pbkdf2-sha512$210000$3q2+7w...$kq1...}. The hash is PBKDF2 with HMAC-SHA512 over the
 * UTF-8 bytes of the password ({@link PasswordHash}): by default 210,000 iterations, a 16-byte random salt and a
 * 64-byte hash. After a space may follow the user's SCRAM-SHA-256 credential ({@link ScramCredential}), which
 * {@code midge passwd} writes and the SCRAM-SHA-256 enhanced authentication needs; a user without one can log in
 * with a password only. The user name is everything before the <em>last</em> colon (a hash never holds one), so a user name
 * may contain colons. Blank lines and lines starting with {@code #} are ignored (so no user name starts with
 * {@code #}); a trailing carriage return is ignored. A line in another format, or a user named twice, makes the file
 * unusable: {@link #load} names the file and the line. {@code midge passwd} writes these files.
 */
public final class PasswordFile {
    private static final PasswordFile EMPTY = new PasswordFile(Map.of(), Map.of());

    private final Map<String, PasswordHash> users;
    /** The SCRAM-SHA-256 credentials of the users that have one. */
    private final Map<String, ScramCredential> scram;

    private PasswordFile(Map<String, PasswordHash> users, Map<String, ScramCredential> scram) {
        this.users = users;
        this.scram = scram;
    }

    public static PasswordFile empty() {
        return EMPTY;
    }

    /**
     * Reads a password file.
     *
     * @throws SecurityFileException naming the file (and the line) when it cannot be read or a line is wrong
     */
    public static PasswordFile load(Path file) {
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        Map<String, ScramCredential> scram = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        int number = 0;
        for (String line : SecurityFiles.readLines(file, "password file")) {
            number++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            if (colon < 0) {
                throw new SecurityFileException(file, number, "unknown format (expected username:"
                        + PasswordHash.PREFIX + "<iterations>$<salt>$<hash>)");
            }
            String user = line.substring(0, colon);
            if (user.isEmpty()) {
                throw new SecurityFileException(file, number, "empty user name");
            }
            PasswordHash hash;
            String[] fields = line.substring(colon + 1).split(" ", -1);
            try {
                if (fields.length > 2) {
                    throw new IllegalArgumentException("unknown format (expected a hash and at most a SCRAM "
                            + "credential after it, separated by one space)");
                }
                hash = PasswordHash.parse(fields[0]);
                if (fields.length == 2) {
                    scram.put(user, ScramCredential.parse(fields[1]));
                }
            } catch (IllegalArgumentException e) {
                throw new SecurityFileException(file, number, "user '" + user + "': " + e.getMessage());
            }
            Integer first = lineOf.putIfAbsent(user, number);
            if (first != null) {
                throw new SecurityFileException(file, number,
                        "duplicate user '" + user + "' (first on line " + first + ")");
            }
            users.put(user, hash);
        }
        return new PasswordFile(Collections.unmodifiableMap(users), Collections.unmodifiableMap(scram));
    }

    /** The user's SCRAM-SHA-256 credential, or null when there is no such user or they have none. */
    public ScramCredential scramOf(String user) {
        return scram.get(user);
    }

    /** The user's hash, or null when there is no such user. */
    public PasswordHash hashOf(String user) {
        return users.get(user);
    }

    public boolean contains(String user) {
        return users.containsKey(user);
    }

    /** The user names in file order. */
    public Set<String> users() {
        return users.keySet();
    }

    public int size() {
        return users.size();
    }

    /** The iteration count most users' hashes have, or the default for an empty file: what a dummy check costs. */
    int typicalIterations() {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        users.values().forEach(h -> counts.merge(h.iterations(), 1, Integer::sum));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(PasswordHash.DEFAULT_ITERATIONS);
    }

    /**
     * A copy with this user added, or their hash replaced (keeping their place in the file).
     *
     * @throws IllegalArgumentException when the name cannot be written to the file
     */
    public PasswordFile with(String user, PasswordHash hash) {
        return with(user, hash, null);
    }

    /**
     * A copy with this user added, or their hash and SCRAM credential (null: none) replaced.
     *
     * @throws IllegalArgumentException when the name cannot be written to the file
     */
    public PasswordFile with(String user, PasswordHash hash, ScramCredential credential) {
        String problem = userNameProblem(user);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Map<String, PasswordHash> copy = new LinkedHashMap<>(users);
        copy.put(user, hash);
        Map<String, ScramCredential> scramCopy = new LinkedHashMap<>(scram);
        if (credential == null) {
            scramCopy.remove(user); // it belonged to the old password
        } else {
            scramCopy.put(user, credential);
        }
        return new PasswordFile(Collections.unmodifiableMap(copy), Collections.unmodifiableMap(scramCopy));
    }

    /** A copy without this user (the same file when there is no such user). */
    public PasswordFile without(String user) {
        if (!users.containsKey(user)) {
            return this;
        }
        Map<String, PasswordHash> copy = new LinkedHashMap<>(users);
        copy.remove(user);
        Map<String, ScramCredential> scramCopy = new LinkedHashMap<>(scram);
        scramCopy.remove(user);
        return new PasswordFile(Collections.unmodifiableMap(copy), Collections.unmodifiableMap(scramCopy));
    }

    /** Why this user name cannot be stored in a password file, or null when it can. */
    public static String userNameProblem(String user) {
        if (user.isEmpty()) {
            return "the user name is empty";
        }
        if (user.startsWith("#")) {
            return "user name '" + user + "' starts with '#', which marks a comment";
        }
        if (user.indexOf('\n') >= 0 || user.indexOf('\r') >= 0) {
            return "the user name contains a line break";
        }
        if (user.isBlank()) {
            return "the user name is blank";
        }
        return null;
    }

    /**
     * Writes the file atomically: a temporary file in the same directory, flushed to disk, then moved over the old
     * one, so that a reader (the broker reloading it) sees the old file or the new one, never half of one. A new
     * file is readable by its owner only; a replaced file keeps its permissions (not its owner: the writer owns it).
     */
    public void save(Path file) throws IOException {
        // Through a symbolic link to the file it points at: replacing the link itself would cut the link.
        Path target = Files.exists(file) ? file.toRealPath() : file.toAbsolutePath();
        Path dir = target.getParent();
        Set<PosixFilePermission> permissions = null;
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) {
            permissions = Files.exists(target) ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-------");
        }
        Path temp = posix
                ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 Writer writer = new java.io.OutputStreamWriter(java.nio.channels.Channels.newOutputStream(channel),
                         StandardCharsets.UTF_8)) {
                for (Map.Entry<String, PasswordHash> e : users.entrySet()) {
                    writer.write(e.getKey());
                    writer.write(':');
                    writer.write(e.getValue().encoded());
                    ScramCredential credential = scram.get(e.getKey());
                    if (credential != null) {
                        writer.write(' ');
                        writer.write(credential.encoded());
                    }
                    writer.write('\n');
                }
                writer.flush();
                channel.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(temp, permissions);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
