package io.midge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class MidgeCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int midge(String... args) {
        CommandLine commandLine = MidgeCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void versionPrintsTheProjectVersion() {
        int exitCode = midge("--version");

        assertThat(exitCode).isZero();
        assertThat(out.toString()).isEqualTo("midge " + System.getProperty("midge.expectedVersion") + System.lineSeparator());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        int exitCode = midge("--help");

        assertThat(exitCode).isZero();
        assertThat(out.toString()).startsWith("Usage: midge").contains("--version", "--help");
    }

    @Test
    void unknownOptionIsAUsageError() {
        int exitCode = midge("--no-such-option");

        assertThat(exitCode).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Unknown option: '--no-such-option'").contains("Usage: midge");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void noSubcommandIsAUsageError() {
        int exitCode = midge();

        assertThat(exitCode).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing required subcommand").contains("Usage: midge");
    }

    @Test
    void brokerWithAMissingPasswordFileSaysWhichAndExits2(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "password-file: passwd\nin-memory: true\n");
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exitCode;
        try {
            exitCode = midge("broker", "--config", config.toString(), "--port", "0");
        } finally {
            System.setErr(original);
        }
        assertThat(exitCode).isEqualTo(2);
        Path missing = dir.resolve("passwd");
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("midge: " + missing
                + ": cannot read the password file: java.nio.file.NoSuchFileException: " + missing);
    }

    @Test
    void brokerWithAnUnknownLogLevelSaysWhichAreKnownAndExits2() {
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exitCode;
        try {
            exitCode = midge("broker", "--in-memory", "--port", "0", "--log-level", "verbose");
        } finally {
            System.setErr(original);
        }
        assertThat(exitCode).isEqualTo(2);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("midge: 'log-level' must be one of error, warn, info, debug, trace, not 'verbose'");
    }

    @Test
    void brokerWithASysIntervalOutOfRangeSaysSoAndExits2() {
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exitCode;
        try {
            exitCode = midge("broker", "--in-memory", "--port", "0", "--sys-interval", "86401");
        } finally {
            System.setErr(original);
        }
        assertThat(exitCode).isEqualTo(2);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("midge: 'sys-interval' must be between 0 and 86400, not 86401");
    }

    @Test
    void brokerRefusesADataDirectoryThatIsNotAStoreAndExitsNonZero(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("holiday.jpg"), "not a store");

        int exitCode = midge("broker", "--data-dir", dir.toString(), "--port", "0");

        assertThat(exitCode).isEqualTo(1);
        assertThat(dir.resolve("holiday.jpg")).hasContent("not a store");
    }

    @Test
    void brokerWithAMissingCertificateFileSaysWhichAndExitsNonZero(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), """
                listeners:
                  - name: secure
                    transport: tls
                    port: 0
                    tls:
                      cert: missing.pem
                      key: missing.key
                """);
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exitCode;
        try {
            exitCode = midge("broker", "--config", config.toString(), "--in-memory", "--http-port", "0");
        } finally {
            System.setErr(original);
        }

        assertThat(exitCode).isEqualTo(2);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("midge: listener 'secure': "
                + "cannot read tls cert file " + dir.resolve("missing.pem") + " (no such file)");
    }

    @Test
    void brokerClusterFlagsAreCheckedAsTheFileIs(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "cluster:\n  host: 10.1.2.3\n");
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int badMember;
        int noSecret;
        try {
            badMember = midge("broker", "--in-memory", "--port", "0", "--http-port", "0",
                    "--cluster-members", "127.0.0.1:7701,nowhere", "--cluster-port", "7701");
            noSecret = midge("broker", "--config", config.toString(), "--in-memory", "--port", "0",
                    "--http-port", "0", "--cluster-members", "10.1.2.3:7701", "--cluster-node-id", "a",
                    "--cluster-name", "shop");
        } finally {
            System.setErr(original);
        }
        assertThat(badMember).isEqualTo(2);
        assertThat(noSecret).isEqualTo(2);
        assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("midge: 'cluster.members' must list host:port addresses, not 'nowhere'")
                .contains("midge: 'cluster.secret' is required when 'cluster.host' (10.1.2.3) is not a loopback");
    }
}
