package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** {@code kill -HUP} on a running {@code midge broker} rereads its password and ACL files. */
class ReloadOnHangupTest {
    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void hangupRereadsThePasswordAndAclFiles(@TempDir Path dir) throws Exception {
        // A process started under nohup ignores SIGHUP, and so do its children: the JVM then installs no handler.
        assumeFalse(HangupReload.hangupIgnored(), "SIGHUP is ignored in this process (started under nohup?): nothing to test");
        PasswordFile.empty().with("alice", PasswordHash.create("pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(dir.resolve("passwd"));
        Files.writeString(dir.resolve("acl"), "user alice\ntopic readwrite home/#\n");
        Path config = Files.writeString(dir.resolve("midge.yaml"),
                "password-file: passwd\nacl-file: acl\nin-memory: true\nport: 0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process broker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dmidge.log.level=INFO", MidgeCommand.class.getName(), "broker", "--config", config.toString(), "--http-port", "0")
                .redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(broker.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    log.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.stream().anyMatch(l -> l.contains("listening")));
            assertThat(log).noneMatch(l -> l.contains("Reloaded"));
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(broker.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            await().atMost(Duration.ofSeconds(10)).failFast("the broker's log: " + log, () -> !broker.isAlive())
                    .until(() -> log.stream().anyMatch(l -> l.contains("Reloaded the ACL file"))
                            && log.stream().anyMatch(l -> l.contains("Reloaded the password file")));
            assertThat(broker.isAlive()).isTrue();
        } finally {
            broker.destroy();
            broker.waitFor();
        }
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void hangupAddsAndRemovesBridges(@TempDir Path dir) throws Exception {
        assumeFalse(HangupReload.hangupIgnored(), "SIGHUP is ignored in this process (started under nohup?): nothing to test");
        Path config = Files.writeString(dir.resolve("midge.yaml"), "in-memory: true\nport: 0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process broker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dmidge.log.level=INFO", MidgeCommand.class.getName(), "broker", "--config", config.toString(), "--http-port", "0")
                .redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(broker.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    log.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.stream().anyMatch(l -> l.contains("listening")));
            Files.writeString(config, "in-memory: true\nport: 0\nbridges:\n  - name: hq\n    address: 127.0.0.1:9\n"
                    + "    topics: [{filter: \"a/#\", direction: out, qos: 1}]\n");
            hangup(broker);
            await().atMost(Duration.ofSeconds(10)).failFast("the broker's log: " + log, () -> !broker.isAlive())
                    .until(() -> log.stream().anyMatch(l -> l.contains("Bridges reloaded: added 'hq'")));
            Files.writeString(config, "in-memory: true\nport: 0\nbridges: [{name: x, address: nowhere}]\n");
            hangup(broker);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.stream().anyMatch(l -> l.contains("midge.yaml:3")
                    && l.contains("the bridges stay as they were")));
            Files.writeString(config, "in-memory: true\nport: 0\n");
            hangup(broker);
            await().atMost(Duration.ofSeconds(10)).failFast("the broker's log: " + log, () -> !broker.isAlive())
                    .until(() -> log.stream().anyMatch(l -> l.contains("Bridges reloaded: removed 'hq'")));
        } finally {
            broker.destroy();
            broker.waitFor();
        }
    }

    private static void hangup(Process broker) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(broker.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
