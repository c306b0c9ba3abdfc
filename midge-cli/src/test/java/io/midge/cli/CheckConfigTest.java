package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code midge broker --check-config FILE}: what a start would say about a file, without starting. */
class CheckConfigTest {
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int midge(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            return MidgeCommand.commandLine().execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodFileIsValidAndNeitherBindsItsPortNorCreatesItsStore(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("store");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The port is in use: a start would fail on it, a check must not even try.
            Path config = Files.writeString(dir.resolve("midge.yaml"), "port: " + taken.getLocalPort()
                    + "\ndata-dir: " + data + "\nhttp:\n  port: " + taken.getLocalPort() + "\n");

            int exit = midge("broker", "--check-config", config.toString());

            assertThat(exit).as(err()).isZero();
            assertThat(out()).isEqualTo("midge: " + config + " is a valid configuration" + System.lineSeparator());
            assertThat(data).doesNotExist();
        }
    }

    @Test
    void theExampleConfigurationOfTheRepositoryIsValid() {
        Path example = Path.of("..", "config", "midge.yaml");

        int exit = midge("broker", "--check-config", example.toString());

        assertThat(exit).as(err()).isZero();
    }

    @Test
    void theContainerImagesConfigurationIsValidWithItsPasswordFile(@TempDir Path dir) throws IOException {
        Path config = Files.copy(Path.of("..", "config", "container.yaml"), dir.resolve("midge.yaml"));
        assertThat(midge("passwd", "-c", "-b", dir.resolve("passwords").toString(), "alice", "secret")).isZero();

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).as(err()).isZero();
    }

    @Test
    void aWrongValueIsNamedWithItsFileAndLineAndExits2(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "port: 1883\nmaximum-qos: 3\n");

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).isEqualTo("midge: " + config + ":2: 'maximum-qos' must be between 0 and 2, not 3"
                + System.lineSeparator());
        assertThat(out()).isEmpty();
    }

    @Test
    void aMissingPasswordFileIsNamedAndExits2(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "password-file: passwd\n");

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("midge: " + dir.resolve("passwd") + ": cannot read the password file");
    }

    @Test
    void aMissingCertificateIsNamedAndExits2(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), """
                listeners:
                  - name: secure
                    transport: tls
                    port: 8883
                    tls:
                      cert: missing.pem
                      key: missing.key
                """);

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("secure").contains("missing.pem");
    }

    @Test
    void anHttpListenerOffTheLoopbackWithoutAPasswordFileExits2(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "http:\n  host: 0.0.0.0\n");

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("the HTTP listener on 0.0.0.0 asks for credentials");
    }

    @Test
    void aFileThatIsNotThereExits2(@TempDir Path dir) {
        Path config = dir.resolve("nothing.yaml");

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("midge: " + config + ": cannot read the configuration file");
    }

    @Test
    void theClusterLinksTlsFilesAreCheckedAndAMissingOneIsNamed(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), """
                cluster:
                  members: [127.0.0.1:7701]
                  tls:
                    cert: node.pem
                    key: node.key
                    ca: cluster-ca.pem
                """);

        int exit = midge("broker", "--check-config", config.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("midge: listener 'cluster-link': cannot read tls cert file "
                + dir.resolve("node.pem") + " (no such file)");
    }

    @Test
    void theClusterTlsFlagsNeedCertKeyAndCa(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("midge.yaml"), "cluster:\n  members: [127.0.0.1:7701]\n");

        int exit = midge("broker", "--check-config", config.toString(), "--cluster-tls-cert",
                dir.resolve("node.pem").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("midge: TLS between nodes needs --cluster-tls-cert, --cluster-tls-key and "
                + "--cluster-tls-ca (or cluster.tls in the file)");
    }
}
