package io.midge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.midge.broker.limits.FailureThrottle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordAuthenticatorTest {
    private static final int FAST = PasswordHash.MIN_ITERATIONS;
    private static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.1", 50000);

    /**
     * Remembers each delay asked for, moves the fake clock on by it and runs the work: the slow-down without waiting
     * for it.
     */
    static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
        final List<Duration> delays = new ArrayList<>();
        /** Set to book work without running it, as a real scheduler does until its time comes. */
        boolean holdBack;
        private final AtomicLong clock;

        RecordingScheduler(AtomicLong clock) {
            super(1);
            this.clock = clock;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            delays.add(Duration.ofNanos(unit.toNanos(delay)));
            if (holdBack) {
                return null;
            }
            clock.addAndGet(unit.toNanos(delay));
            command.run();
            return null;
        }
    }

    @TempDir
    Path dir;
    private Path file;
    private final AtomicLong clock = new AtomicLong();
    private final RecordingScheduler scheduler = new RecordingScheduler(clock);
    private PasswordAuthenticator authenticator;

    @BeforeEach
    void writeUsers() throws IOException {
        file = dir.resolve("passwd");
        PasswordFile.empty()
                .with("alice", PasswordHash.create("wonderland".toCharArray(), FAST))
                .with("bob", PasswordHash.create("builder".toCharArray(), FAST))
                .save(file);
        authenticator = create(false);
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private PasswordAuthenticator create(boolean anonymousAllowed) {
        FailureThrottle throttle = new FailureThrottle(5, Duration.ofMinutes(1), Duration.ofMillis(250),
                Duration.ofSeconds(8), clock::get);
        return new PasswordAuthenticator(file, anonymousAllowed, Runnable::run, scheduler, throttle);
    }

    private ReasonCode login(PasswordAuthenticator auth, String user, String password) {
        return auth.authenticate("client-1", user, password == null ? null : Binary.utf8(password), CLIENT)
                .toCompletableFuture().join();
    }

    private ReasonCode login(String user, String password) {
        return login(authenticator, user, password);
    }

    @Test
    void rightPasswordLetsTheUserIn() {
        assertThat(login("alice", "wonderland")).isEqualTo(ReasonCode.SUCCESS);
        assertThat(login("bob", "builder")).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("A wrong password is refused with 0x86 Bad User Name or Password")
    void wrongPasswordIsRefused() {
        assertThat(login("alice", "builder")).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(login("alice", "Wonderland")).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(authenticator.dummyChecks()).as("a known user's own hash is checked").isZero();
    }

    @Test
    void unknownUserIsRefusedAfterCheckingADummyHashOfTheSameCost() {
        assertThat(login("mallory", "wonderland")).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);

        assertThat(authenticator.dummyChecks()).isEqualTo(1);
        assertThat(authenticator.dummyHash().iterations()).isEqualTo(FAST);
    }

    @Test
    void emptyFileHasADummyHashOfTheDefaultCost() throws IOException {
        Files.writeString(file, "# nobody yet\n");

        try (PasswordAuthenticator auth = create(false)) {
            assertThat(auth.dummyHash().iterations()).isEqualTo(PasswordHash.DEFAULT_ITERATIONS);
            assertThat(auth.users().size()).isZero();
        }
    }

    @Test
    @DisplayName("A user name without a password is refused with 0x86, after the same dummy work")
    void userNameWithoutPasswordIsRefused() {
        assertThat(login("alice", null)).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(authenticator.dummyChecks()).isEqualTo(1);
    }

    @Test
    void passwordThatIsNotUtf8IsRefused() {
        ReasonCode answer = authenticator.authenticate("c", "alice", Binary.of(new byte[] {(byte) 0xFF, 'a'}), CLIENT)
                .toCompletableFuture().join();

        assertThat(answer).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(authenticator.dummyChecks()).isEqualTo(1);
    }

    @Test
    @DisplayName("No credentials at all are refused with 0x86 when a password is required")
    void missingCredentialsAreRefusedWhenRequired() {
        assertThat(login(null, null)).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void missingCredentialsAreAcceptedWhenAnonymousClientsAreAllowed() {
        try (PasswordAuthenticator open = create(true)) {
            assertThat(login(open, null, null)).isEqualTo(ReasonCode.SUCCESS);
            assertThat(login(open, "alice", "wrong")).as("a user name given is checked")
                    .isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(login(open, null, "password-without-user"))
                    .isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
    }

    @Test
    void afterFiveFailuresAnAddressIsAnsweredLaterAndLater() {
        for (int i = 0; i < 5; i++) {
            assertThat(login("alice", "guess" + i)).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
        assertThat(scheduler.delays).as("the first five answers are not held back").isEmpty();

        for (int i = 0; i < 4; i++) {
            login("alice", "more" + i);
        }
        assertThat(login("alice", "wonderland")).as("the right password still works, as slowly")
                .isEqualTo(ReasonCode.SUCCESS);

        assertThat(scheduler.delays).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    }

    @Test
    @DisplayName("Attempts of a slowed address made at once are spaced out; beyond a minute ahead: 0x89 Server busy")
    void attemptsMadeAtOnceAreSpacedOutAndTurnedAwayBeyondAMinute() {
        for (int i = 0; i < 11; i++) {
            login("alice", "guess" + i);
        }
        scheduler.delays.clear();
        scheduler.holdBack = true;

        List<CompletableFuture<ReasonCode>> answers = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            answers.add(authenticator.authenticate("c", "alice", Binary.utf8("wonderland"), CLIENT)
                    .toCompletableFuture());
        }

        assertThat(scheduler.delays).extracting(Duration::toSeconds)
                .containsExactly(8L, 16L, 24L, 32L, 40L, 48L, 56L);
        assertThat(answers.subList(0, 7)).allSatisfy(a -> assertThat(a).isNotDone());
        assertThat(answers.subList(7, 9)).allSatisfy(a -> assertThat(a).isCompletedWithValue(ReasonCode.SERVER_BUSY));
    }

    @Test
    void unknownUsersAndMissingCredentialsCountAsFailuresToo() {
        for (int i = 0; i < 3; i++) {
            login("nobody" + i, "x");
        }
        login(null, null);
        login("alice", null);
        login("alice", "wonderland");

        assertThat(scheduler.delays).containsExactly(Duration.ofMillis(250));
    }

    @Test
    void otherAddressesAreNotSlowedDown() {
        for (int i = 0; i < 8; i++) {
            login("alice", "guess" + i);
        }
        scheduler.delays.clear();

        ReasonCode answer = authenticator.authenticate("c", "alice", Binary.utf8("wonderland"),
                new InetSocketAddress("203.0.113.9", 1234)).toCompletableFuture().join();

        assertThat(answer).isEqualTo(ReasonCode.SUCCESS);
        assertThat(scheduler.delays).isEmpty();
    }

    @Test
    void slowDownEndsAfterAQuietMinute() {
        for (int i = 0; i < 7; i++) {
            login("alice", "guess" + i);
        }
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        scheduler.delays.clear();

        assertThat(login("alice", "wonderland")).isEqualTo(ReasonCode.SUCCESS);
        assertThat(scheduler.delays).isEmpty();
    }

    @Test
    void reloadPicksUpChangedUsers() throws IOException {
        PasswordFile.load(file).without("bob")
                .with("carol", PasswordHash.create("singer".toCharArray(), FAST)).save(file);

        assertThat(authenticator.reload()).isTrue();

        assertThat(login("carol", "singer")).isEqualTo(ReasonCode.SUCCESS);
        assertThat(login("bob", "builder")).isEqualTo(ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void reloadOfABrokenFileKeepsTheOldUsers() throws IOException {
        Files.writeString(file, "carol:plain-text-password\n");

        assertThat(authenticator.reload()).isFalse();

        assertThat(login("alice", "wonderland")).isEqualTo(ReasonCode.SUCCESS);
        assertThat(authenticator.users().users()).containsExactly("alice", "bob");
    }

    @Test
    void reloadOfAMissingFileKeepsTheOldUsers() throws IOException {
        Files.delete(file);

        assertThat(authenticator.reload()).isFalse();
        assertThat(login("bob", "builder")).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    void brokenFileAtStartIsAnErrorNamingFileAndLine() throws IOException {
        Files.writeString(file, "\nalice\n");

        assertThatThrownBy(() -> new PasswordAuthenticator(file, false))
                .isInstanceOf(SecurityFileException.class)
                .hasMessageStartingWith(file + ":2: unknown format");
    }

    @Test
    void passwordsAreCheckedOnTheAuthenticatorsOwnThreadsNotTheCallers() {
        try (PasswordAuthenticator real = new PasswordAuthenticator(file, false)) {
            ReasonCode answer = real.authenticate("c", "alice", Binary.utf8("wonderland"), CLIENT)
                    .toCompletableFuture().join();

            assertThat(answer).isEqualTo(ReasonCode.SUCCESS);
            // The pool starts its threads only for work: one by this name exists because the check ran there.
            assertThat(Thread.getAllStackTraces().keySet())
                    .anySatisfy(t -> assertThat(t.getName()).startsWith("midge-password-"));
        }
    }
}
