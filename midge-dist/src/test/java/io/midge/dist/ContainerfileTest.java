package io.midge.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Containerfile: what it copies exists where it looks, and it runs as a non-root user with a volume and a
 * health check. Where a container engine runs (docker or podman answering {@code info}), the image is also built
 * and started until healthy; elsewhere that part is skipped and says why.
 */
class ContainerfileTest {
    private static final Path ROOT = Path.of("..");
    private static final String VERSION = System.getProperty("midge.expectedVersion");

    @Test
    void copiesTheArchiveOfThisVersionAndTheContainerConfigurationAndRunsUnprivileged() throws IOException {
        String file = Files.readString(ROOT.resolve("Containerfile"));

        Matcher version = Pattern.compile("ARG VERSION=(\\S+)").matcher(file);
        assertThat(version.find()).isTrue();
        assertThat(version.group(1)).as("the Containerfile's VERSION follows the project's").isEqualTo(VERSION);
        assertThat(ROOT.resolve("midge-dist/target/midge-" + VERSION + ".tar.gz")).exists();
        assertThat(file).contains("ADD midge-dist/target/midge-${VERSION}.tar.gz /opt/")
                .contains("COPY config/container.yaml /etc/midge/midge.yaml")
                .contains("USER midge").contains("VOLUME /var/lib/midge").contains("HEALTHCHECK");
        assertThat(ROOT.resolve("config/container.yaml")).exists();
    }

    @Test
    void theImageBuildsAndBecomesHealthyWhereAContainerEngineRuns() throws Exception {
        String engine = List.of("podman", "docker").stream().filter(ContainerfileTest::answers).findFirst()
                .orElse(null);
        assumeTrue(engine != null, "no container engine answers 'info' here (docker or podman): image not built");
        String tag = "midge-test:" + VERSION.toLowerCase();
        run(600, engine, "build", "-t", tag, "-f", "Containerfile", ".");
        String id = run(60, engine, "run", "-d", "--entrypoint", "/opt/midge/bin/midge", tag,
                "broker", "--data-dir", "/var/lib/midge", "--sys-interval", "0").strip();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() ->
                    run(30, engine, "inspect", "--format", "{{.State.Health.Status}}", id).strip().equals("healthy"));
        } finally {
            run(60, engine, "rm", "-f", id);
        }
    }

    private static boolean answers(String engine) {
        try {
            Process p = new ProcessBuilder(engine, "info").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(int seconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }
}
