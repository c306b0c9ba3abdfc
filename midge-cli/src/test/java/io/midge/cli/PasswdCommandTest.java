package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.security.ScramCredential;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PasswdCommandTest {
    /** The cheapest hash the file accepts, so that the tests stay fast. */
    private static final String FAST = "--iterations=" + PasswordHash.MIN_ITERATIONS;

    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    /** What the console "types" at each prompt; null entries mean there is no console. */
    private final Deque<String> typed = new ArrayDeque<>();
    private String stdin = "";

    private int passwd(String... args) {
        String[] all = Arrays.copyOf(new String[] {FAST}, args.length + 1);
        System.arraycopy(args, 0, all, 1, args.length);
        return passwdExactly(all);
    }

    private int passwdExactly(String... args) {
        PasswdCommand command = new PasswdCommand(message -> {
            String next = typed.poll();
            return next == null ? null : next.toCharArray();
        }, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path file() {
        return dir.resolve("passwd");
    }

    private boolean passwordOf(String user, String password) {
        PasswordHash hash = PasswordFile.load(file()).hashOf(user);
        return hash != null && hash.matches(password.toCharArray());
    }

    @Test
    void addWritesAScramCredentialBesideTheHashAndUpdateReplacesIt() throws IOException {
        assertThat(passwd("-c", "-b", file().toString(), "alice", "s3cret")).isZero();
        ScramCredential first = PasswordFile.load(file()).scramOf("alice");
        assertThat(first).isNotNull();
        assertThat(first.iterations()).isEqualTo(ScramCredential.MIN_ITERATIONS); // raised from --iterations=1000
        assertThat(Files.readString(file())).matches("alice:\\$pbkdf2-sha512\\$\\S+ \\$scram-sha-256\\$\\S+\n");
        assertThat(passwd("-b", file().toString(), "alice", "other")).isZero();
        assertThat(PasswordFile.load(file()).scramOf("alice").encoded()).isNotEqualTo(first.encoded());
    }

    @Test
    void createPromptsTwiceAndWritesTheUser() {
        typed.add("wonderland");
        typed.add("wonderland");

        int exit = passwd("-c", file().toString(), "alice");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Added user 'alice' to " + file());
        assertThat(err.toString()).isEmpty();
        assertThat(passwordOf("alice", "wonderland")).isTrue();
        assertThat(typed).as("both prompts were answered").isEmpty();
    }

    @Test
    void createTruncatesAnExistingFile() {
        passwd("-c", "-b", file().toString(), "alice", "a");

        int exit = passwd("-c", "-b", file().toString(), "bob", "b");

        assertThat(exit).isZero();
        assertThat(PasswordFile.load(file()).users()).containsExactly("bob");
    }

    @Test
    void promptsThatDifferChangeNothing() {
        passwd("-c", "-b", file().toString(), "alice", "old");
        typed.add("new1");
        typed.add("new2");

        int exit = passwd(file().toString(), "alice");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("midge passwd: the passwords do not match");
        assertThat(passwordOf("alice", "old")).isTrue();
    }

    @Test
    void withoutAConsoleThePromptSaysWhatToUseInstead() {
        passwd("-c", "-b", file().toString(), "alice", "old");

        int exit = passwd(file().toString(), "bob");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no console to ask for the password on; use --stdin, -p or -b");
    }

    @Test
    void batchAddsAndThenUpdatesAUser() {
        assertThat(passwd("-c", "-b", file().toString(), "alice", "one")).isZero();
        assertThat(passwd("-b", file().toString(), "bob", "two")).isZero();
        assertThat(passwd("-b", file().toString(), "alice", "three")).isZero();

        assertThat(out.toString()).contains("Updated the password of user 'alice'");
        assertThat(PasswordFile.load(file()).users()).containsExactly("alice", "bob");
        assertThat(passwordOf("alice", "three")).isTrue();
        assertThat(passwordOf("alice", "one")).isFalse();
        assertThat(passwordOf("bob", "two")).isTrue();
    }

    @Test
    void stdinAndPasswordOptionSetThePassword() {
        stdin = "from-stdin\nignored\n";
        assertThat(passwd("-c", "--stdin", file().toString(), "alice")).isZero();
        assertThat(passwd("-p", "from-option", file().toString(), "bob")).isZero();

        assertThat(passwordOf("alice", "from-stdin")).isTrue();
        assertThat(passwordOf("bob", "from-option")).isTrue();
    }

    @Test
    void deleteRemovesTheUser() {
        passwd("-c", "-b", file().toString(), "alice", "a");
        passwd("-b", file().toString(), "bob", "b");

        int exit = passwd("-D", file().toString(), "alice");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Deleted user 'alice' from " + file());
        assertThat(PasswordFile.load(file()).users()).containsExactly("bob");
        assertThat(passwordOf("bob", "b")).isTrue();
    }

    @Test
    void deletingAnUnknownUserFails() {
        passwd("-c", "-b", file().toString(), "alice", "a");

        int exit = passwd("--delete", file().toString(), "mallory");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("midge passwd: no user 'mallory' in " + file());
    }

    @Test
    void missingFileWithoutCreateFails() {
        int exit = passwd("-b", file().toString(), "alice", "a");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains(file() + " does not exist (use -c to create it)");
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void brokenFileIsNamedWithItsLineAndLeftAlone() throws IOException {
        Files.writeString(file(), "alice:plaintext\n");

        int exit = passwd("-b", file().toString(), "bob", "b");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains(file() + ":1: user 'alice': unknown hash format");
        assertThat(Files.readString(file())).isEqualTo("alice:plaintext\n");
    }

    @Test
    void emptyPasswordIsRefused() {
        stdin = "\n";

        int exit = passwd("-c", "--stdin", file().toString(), "alice");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("the password is empty");
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void userNameThatCannotBeStoredIsRefused() {
        int exit = passwd("-c", "-b", file().toString(), "#admin", "pw");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("user name '#admin' starts with '#'");
    }

    @Test
    void conflictingOptionsAreUsageErrors() {
        assertThat(passwd("-D", "-c", file().toString(), "alice")).isEqualTo(2);
        assertThat(passwd("-D", "-b", file().toString(), "alice", "pw")).isEqualTo(2);
        assertThat(passwd("-b", "--stdin", file().toString(), "alice", "pw")).isEqualTo(2);
        assertThat(passwd("-b", file().toString(), "alice")).isEqualTo(2);
        assertThat(passwd(file().toString(), "alice", "pw")).isEqualTo(2);
        assertThat(passwdExactly("--iterations=5", "-b", file().toString(), "alice", "pw")).isEqualTo(2);

        assertThat(err.toString())
                .contains("-D/--delete takes no password and cannot be combined with -c/--create")
                .contains("give the password one way only")
                .contains("-b/--batch needs FILE USER PASSWORD")
                .contains("unexpected argument 'pw' (a password on the command line needs -b/--batch)")
                .contains("--iterations must be between 1000 and 10000000");
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void missingUserIsAUsageError() {
        int exit = passwd(file().toString());

        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing required parameter");
    }

    @Test
    void midgeCommandRunsPasswd() {
        CommandLine midge = MidgeCommand.commandLine();
        midge.setOut(new PrintWriter(out, true));
        midge.setErr(new PrintWriter(err, true));

        int help = midge.execute("passwd", "--help");
        int add = midge.execute("passwd", FAST, "-c", "-b", file().toString(), "alice", "pw");

        assertThat(help).isZero();
        assertThat(out.toString()).contains("Usage: midge passwd").contains("--create", "--delete", "--batch");
        assertThat(add).isZero();
        assertThat(passwordOf("alice", "pw")).isTrue();
    }
}
