package io.midge.broker.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's password and ACL files in use: the authenticators and the authorizer built from them, reloaded on
 * {@link #reload()} (SIGHUP) and when a file changes (its modification time, size or identity, polled every
 * {@link #POLL_INTERVAL}). A file that has become unusable leaves the previous users or rules in force and logs
 * why, naming the file and line; connections are never dropped by a reload, and the new rules apply to their next
 * publish, subscription and delivery.
 */
public final class BrokerSecurity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerSecurity.class);
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

    private final PasswordAuthenticator passwords;
    private final ScramSha256Authenticator scram;
    private final AclAuthorizer acl;
    private final List<Watched> watched = new ArrayList<>();
    private final ScheduledExecutorService watcher;

    private BrokerSecurity(PasswordAuthenticator passwords, AclAuthorizer acl) {
        this.passwords = passwords;
        this.scram = passwords == null ? null : new ScramSha256Authenticator(passwords::users);
        this.acl = acl;
        if (passwords != null) {
            watched.add(new Watched(passwords.file()));
        }
        if (acl != null) {
            watched.add(new Watched(acl.file()));
        }
        if (watched.isEmpty()) {
            watcher = null;
        } else {
            watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "midge-security-files");
                thread.setDaemon(true);
                return thread;
            });
            long period = POLL_INTERVAL.toMillis();
            watcher.scheduleWithFixedDelay(this::reloadChanged, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads the files (either may be null: no passwords checked, everything allowed).
     *
     * @throws SecurityFileException naming the file and line when one cannot be read or is wrong
     */
    public static BrokerSecurity open(Path passwordFile, Path aclFile) {
        // Anonymous clients are the listener's decision (ListenerConfig.anonymousAllowed), taken before the
        // authenticator is asked; a client that reaches it without a user name was let in by its listener.
        PasswordAuthenticator passwords = passwordFile == null ? null : new PasswordAuthenticator(passwordFile, true);
        try {
            return new BrokerSecurity(passwords, aclFile == null ? null : new AclAuthorizer(aclFile));
        } catch (RuntimeException e) {
            if (passwords != null) {
                passwords.close();
            }
            throw e;
        }
    }

    /** The password checker, or {@link Authenticator#ALLOW_ALL} without a password file. */
    public Authenticator authenticator() {
        return passwords != null ? passwords : Authenticator.ALLOW_ALL;
    }

    /** SCRAM-SHA-256 over the password file's users, or nothing without a password file. */
    public List<EnhancedAuthenticator> enhancedAuthenticators() {
        return scram == null ? List.of() : List.of(scram);
    }

    /** The ACL file's rules, or {@link Authorizer#ALLOW_ALL} without one. */
    public Authorizer authorizer() {
        return acl != null ? acl : Authorizer.ALLOW_ALL;
    }

    /** The password checker, or null without a password file. */
    public PasswordAuthenticator passwords() {
        return passwords;
    }

    /**
     * Rereads both files; one that cannot be used keeps what was in force (logged).
     *
     * @return whether every file was read and is now in use
     */
    public synchronized boolean reload() {
        watched.forEach(Watched::changed); // take the files' stamps now: the poll need not read them again
        boolean ok = true;
        if (passwords != null) {
            ok &= passwords.reload();
        }
        if (acl != null) {
            ok &= acl.reload();
        }
        return ok;
    }

    private synchronized void reloadChanged() {
        try {
            for (Watched w : watched) {
                if (w.changed()) {
                    log.info("{} changed: reloading it", w.file);
                    if (passwords != null && w.file.equals(passwords.file())) {
                        passwords.reload();
                    } else if (acl != null && w.file.equals(acl.file())) {
                        acl.reload();
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("Checking the security files for changes failed", e);
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        if (passwords != null) {
            passwords.close();
        }
    }

    /** A file and what it looked like when last read: a change of any of these means it was written. */
    private static final class Watched {
        final Path file;
        private Object stamp;

        Watched(Path file) {
            this.file = file;
            this.stamp = stamp(file);
        }

        /** Whether the file looks different from the last call (or the start); remembers how it looks now. */
        boolean changed() {
            Object now = stamp(file);
            boolean changed = !Objects.equals(now, stamp);
            stamp = now;
            return changed;
        }

        private static Object stamp(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
            } catch (NoSuchFileException e) {
                return "missing";
            } catch (IOException e) {
                return "unreadable: " + e.getMessage();
            }
        }
    }
}
