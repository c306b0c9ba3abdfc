package io.midge.cli;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import io.midge.broker.security.ScramCredential;
import io.midge.broker.security.SecurityFileException;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code midge passwd}: adds, updates and deletes users in a password file (format: {@link PasswordFile}), as
 * {@code mosquitto_passwd} does. Exit codes: 0 done, 1 the file or the password could not be used, 2 a usage error.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true, versionProvider = MidgeVersion.class, sortOptions = false,
        description = {
                "Adds a user to a password file or changes their password (asked twice on the console), or deletes a user.",
                "Passwords are stored as salted PBKDF2-SHA512 hashes, with SCRAM-SHA-256 credentials for MQTT 5 "
                        + "enhanced authentication; the file is replaced atomically."},
        footer = {"",
                "Examples:",
                "  midge passwd -c passwd alice       create the file with user alice",
                "  midge passwd -b passwd bob s3cret  add or update bob, no prompt",
                "  midge passwd -D passwd bob         delete bob"})
final class PasswdCommand implements Callable<Integer> {

    /** Reads a password without echoing it; null when there is no console. */
    interface Prompt {
        char[] read(String message);
    }

    @Option(names = {"-c", "--create"}, description = "Create the file, or empty it if it exists.")
    boolean create;

    @Option(names = {"-D", "--delete"}, description = "Delete USER from the file.")
    boolean delete;

    @Option(names = {"-b", "--batch"},
            description = "Take the password from the command line (FILE USER PASSWORD); it is visible to other users of this machine.")
    boolean batch;

    @Option(names = "--stdin", description = "Read the password from the first line of standard input.")
    boolean stdin;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password; it is visible to other users of this machine.")
    String password;

    @Option(names = "--iterations", paramLabel = "N",
            description = "PBKDF2 iterations for the new hash and SCRAM credential (at least 4096 for SCRAM; "
                    + "default: ${DEFAULT-VALUE}).")
    int iterations = PasswordHash.DEFAULT_ITERATIONS;

    @Parameters(index = "0", paramLabel = "FILE", description = "The password file.")
    Path file;

    @Parameters(index = "1", paramLabel = "USER", description = "The user name.")
    String user;

    @Parameters(index = "2", paramLabel = "PASSWORD", arity = "0..1", description = "The password, with -b.")
    String batchPassword;

    @Spec
    CommandSpec spec;

    private final Prompt prompt;
    private final InputStream input;

    /** As {@code midge passwd} runs: the console and standard input. */
    PasswdCommand() {
        this(message -> {
            Console console = System.console();
            return console == null ? null : console.readPassword("%s", message);
        }, System.in);
    }

    PasswdCommand(Prompt prompt, InputStream input) {
        this.prompt = prompt;
        this.input = input;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String usage = usageProblem();
        if (usage != null) {
            err.println("midge passwd: " + usage);
            err.println("Try 'midge passwd --help' for more information.");
            return 2;
        }
        try {
            PasswordFile users;
            if (create) {
                users = PasswordFile.empty();
            } else if (!Files.exists(file)) {
                err.println("midge passwd: " + file + " does not exist" + (delete ? "" : " (use -c to create it)"));
                return 1;
            } else {
                users = PasswordFile.load(file);
            }
            if (delete) {
                if (!users.contains(user)) {
                    err.println("midge passwd: no user '" + user + "' in " + file);
                    return 1;
                }
                users.without(user).save(file);
                out.println("Deleted user '" + user + "' from " + file);
                return 0;
            }
            String nameProblem = PasswordFile.userNameProblem(user);
            if (nameProblem != null) {
                err.println("midge passwd: " + nameProblem);
                return 1;
            }
            char[] secret = readPassword(err);
            if (secret == null) {
                return 1;
            }
            boolean existed = users.contains(user);
            try {
                users = users.with(user, PasswordHash.create(secret, iterations),
                        ScramCredential.create(secret, iterations));
            } finally {
                Arrays.fill(secret, '\0');
            }
            users.save(file);
            out.println((existed ? "Updated the password of user '" : "Added user '") + user + "' to " + file);
            return 0;
        } catch (SecurityFileException e) {
            err.println("midge passwd: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("midge passwd: cannot write " + file + ": " + e);
            return 1;
        }
    }

    private String usageProblem() {
        int sources = (batch ? 1 : 0) + (stdin ? 1 : 0) + (password != null ? 1 : 0);
        if (delete && (create || sources > 0)) {
            return "-D/--delete takes no password and cannot be combined with -c/--create";
        }
        if (sources > 1) {
            return "give the password one way only: -b/--batch, --stdin or -p/--password";
        }
        if (batch != (batchPassword != null)) {
            return batch ? "-b/--batch needs FILE USER PASSWORD" : "unexpected argument '" + batchPassword
                    + "' (a password on the command line needs -b/--batch)";
        }
        if (iterations < PasswordHash.MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
            return "--iterations must be between " + PasswordHash.MIN_ITERATIONS + " and "
                    + PasswordHash.MAX_ITERATIONS;
        }
        return null;
    }

    /** The new password from where the options say, or null after printing why there is none. */
    private char[] readPassword(PrintWriter err) throws IOException {
        char[] secret;
        if (batch || password != null) {
            secret = (batch ? batchPassword : password).toCharArray();
        } else if (stdin) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            String line = reader.readLine();
            secret = line == null ? new char[0] : line.toCharArray();
        } else {
            secret = prompt.read("Password: ");
            if (secret == null) {
                err.println("midge passwd: no console to ask for the password on; use --stdin, -p or -b");
                return null;
            }
            char[] again = prompt.read("Reenter password: ");
            boolean same = again != null && Arrays.equals(secret, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(secret, '\0');
                err.println("midge passwd: the passwords do not match");
                return null;
            }
        }
        if (secret.length == 0) {
            err.println("midge passwd: the password is empty");
            return null;
        }
        return secret;
    }
}
