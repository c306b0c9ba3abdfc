package io.midge.broker.security;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.broker.limits.FailureThrottle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks user names and passwords against a {@link PasswordFile}.
 *
 * <ul>
 * <li>Hashing is slow on purpose, so it runs on this authenticator's own small pool, never on an event loop; the
 *     answer completes on that pool. When the pool's queue is full the answer is 0x89 Server busy.</li>
 * <li>Wrong password, unknown user, or a user name without a password: 0x86 Bad user name or password (the broker
 *     sends 3.1.1's return code 4 for it). No user name at all: 0x86 too, unless anonymous clients are allowed.</li>
 * <li>For an unknown user a dummy hash with the same cost is checked, and hashes are compared in constant time, so
 *     the time to answer does not tell whether a user exists.</li>
 * <li>An address that keeps failing is slowed down ({@link FailureThrottle}): its answers, right or wrong, are held
 *     back on a scheduler, without holding a thread, and its attempts are spaced out; one with attempts booked more
 *     than a minute ahead is answered 0x89 Server busy at once.</li>
 * <li>{@link #reload()} rereads the file; a broken file leaves the users as they were.</li>
 * </ul>
 */
public final class PasswordAuthenticator implements Authenticator, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PasswordAuthenticator.class);

    /** The users and the dummy hash that costs as much as theirs, swapped together on reload. */
    private record Table(PasswordFile users, PasswordHash dummy) {
        static Table of(PasswordFile users) {
            return new Table(users, PasswordHash.dummy(users.typicalIterations()));
        }
    }

    private final Path file;
    private final boolean anonymousAllowed;
    private final Executor hashing;
    private final ScheduledExecutorService scheduler;
    private final FailureThrottle throttle;
    private final boolean ownsExecutors;
    private final AtomicLong dummyChecks = new AtomicLong();
    private final AtomicLong heldBack = new AtomicLong();
    private volatile Table table;

    /**
     * Reads the password file and starts a hashing pool (one or two threads) and a scheduler for slowed answers.
     *
     * @throws SecurityFileException when the file cannot be read or is wrong
     */
    public PasswordAuthenticator(Path file, boolean anonymousAllowed) {
        this(file, anonymousAllowed, hashingPool(), scheduler(), FailureThrottle.standard(), true);
    }

    /** For tests: the caller's executors (which it closes) and throttle. */
    PasswordAuthenticator(Path file, boolean anonymousAllowed, Executor hashing, ScheduledExecutorService scheduler,
                          FailureThrottle throttle) {
        this(file, anonymousAllowed, hashing, scheduler, throttle, false);
    }

    private PasswordAuthenticator(Path file, boolean anonymousAllowed, Executor hashing,
                                  ScheduledExecutorService scheduler, FailureThrottle throttle, boolean ownsExecutors) {
        this.file = file;
        this.anonymousAllowed = anonymousAllowed;
        this.hashing = hashing;
        this.scheduler = scheduler;
        this.throttle = throttle;
        this.ownsExecutors = ownsExecutors;
        Table loaded;
        try {
            loaded = Table.of(PasswordFile.load(file));
        } catch (RuntimeException e) {
            if (ownsExecutors) {
                shutdown();
            }
            throw e;
        }
        this.table = loaded;
    }

    @Override
    public CompletionStage<ReasonCode> authenticate(String clientId, String username, Binary password,
                                                    SocketAddress remote) {
        if (username == null) {
            if (anonymousAllowed && password == null) {
                return CompletableFuture.completedFuture(ReasonCode.SUCCESS);
            }
            throttle.recordFailure(remote);
            return CompletableFuture.completedFuture(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
        CompletableFuture<ReasonCode> answer = new CompletableFuture<>();
        Runnable check = () -> {
            try {
                answer.complete(verify(username, password, remote));
            } catch (RuntimeException e) {
                log.error("Checking the password of user '{}' failed", username, e);
                answer.complete(ReasonCode.UNSPECIFIED_ERROR);
            }
        };
        Runnable submit = () -> {
            try {
                hashing.execute(check);
            } catch (RejectedExecutionException e) {
                answer.complete(ReasonCode.SERVER_BUSY);
            }
        };
        long delay = throttle.reserveNanos(remote);
        if (delay == FailureThrottle.BUSY) {
            heldBack.incrementAndGet();
            answer.complete(ReasonCode.SERVER_BUSY);
        } else if (delay == 0) {
            submit.run();
        } else {
            heldBack.incrementAndGet();
            try {
                scheduler.schedule(submit, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                answer.complete(ReasonCode.SERVER_BUSY);
            }
        }
        return answer;
    }

    private ReasonCode verify(String username, Binary password, SocketAddress remote) {
        Table current = table;
        PasswordHash hash = current.users().hashOf(username);
        char[] chars = password == null ? null : utf8(password);
        boolean ok;
        if (chars == null) {
            // No password, or one that is not text (and so not one `midge passwd` set): wrong, after the same work.
            current.dummy().matches(new char[] {'x'});
            dummyChecks.incrementAndGet();
            ok = false;
        } else {
            try {
                if (hash == null) {
                    current.dummy().matches(chars);
                    dummyChecks.incrementAndGet();
                    ok = false;
                } else {
                    ok = hash.matches(chars);
                }
            } finally {
                Arrays.fill(chars, '\0');
            }
        }
        if (ok) {
            return ReasonCode.SUCCESS;
        }
        throttle.recordFailure(remote);
        return ReasonCode.BAD_USER_NAME_OR_PASSWORD;
    }

    private static char[] utf8(Binary password) {
        byte[] bytes = password.toByteArray();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] result = new char[chars.remaining()];
            chars.get(result);
            Arrays.fill(chars.array(), '\0');
            return result.length == 0 ? null : result;
        } catch (CharacterCodingException e) {
            return null;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Rereads the password file. When it cannot be read or is wrong, the error is logged and the users stay as they
     * were.
     *
     * @return whether the new file is now in use
     */
    public boolean reload() {
        try {
            table = Table.of(PasswordFile.load(file));
            log.info("Reloaded the password file {} ({} users)", file, table.users().size());
            return true;
        } catch (SecurityFileException e) {
            log.error("Keeping the previous users: {}", e.getMessage());
            return false;
        }
    }

    /** The password file this authenticator reads. */
    public Path file() {
        return file;
    }

    /** The throttle of failed logins per address, for the other methods that check the same users. */
    FailureThrottle throttle() {
        return throttle;
    }

    /** How many answers the failure throttle held back (or refused as busy) so far. */
    public long throttledAnswers() {
        return heldBack.get();
    }

    /** The users now in use. */
    public PasswordFile users() {
        return table.users();
    }

    /** How many times a dummy hash was checked in place of a real one (unknown user, no or non-text password). */
    long dummyChecks() {
        return dummyChecks.get();
    }

    PasswordHash dummyHash() {
        return table.dummy();
    }

    @Override
    public void close() {
        if (ownsExecutors) {
            shutdown();
        }
    }

    private void shutdown() {
        ((ExecutorService) hashing).shutdownNow();
        scheduler.shutdownNow();
    }

    private static ExecutorService hashingPool() {
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2));
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1024),
                daemonThreads("midge-password"));
    }

    private static ScheduledExecutorService scheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("midge-login-delay"));
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
