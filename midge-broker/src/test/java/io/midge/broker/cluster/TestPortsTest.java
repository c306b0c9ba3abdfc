package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TestPortsTest {

    @Test
    @DisplayName("ports are different, outside the kernel's ephemeral range, and bindable when taken")
    void outsideTheEphemeralRange() {
        int[] ephemeral = TestPorts.ephemeralRange();
        if (Files.exists(Path.of(TestPorts.RANGE_FILE))) {
            assertThat(ephemeral).as("read from /proc").isNotEqualTo(TestPorts.ASSUMED_EPHEMERAL);
        }
        int[] ports = TestPorts.take(8);
        assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(8);
        for (int port : ports) {
            assertThat(port).isBetween(1024, 65535);
            assertThat(port < ephemeral[0] || port > ephemeral[1]).as("port %d outside %d-%d", port, ephemeral[0],
                    ephemeral[1]).isTrue();
            assertThat(TestPorts.bindable(port)).as("port %d", port).isTrue();
        }
    }

    @Test
    @DisplayName("outgoing connections never get a taken port as their local end")
    void outgoingConnectionsLeaveThemAlone() throws IOException {
        int[] ports = TestPorts.take(3);
        List<Socket> sockets = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 300, InetAddress.getLoopbackAddress())) {
            for (int k = 0; k < 200; k++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                sockets.add(s);
                assertThat(s.getLocalPort()).isNotIn(ports[0], ports[1], ports[2]);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        for (int port : ports) {
            assertThat(TestPorts.bindable(port)).isTrue();
        }
    }

    @Test
    @DisplayName("a port taken once is not handed out again in the same JVM")
    void neverTwice() {
        int[] first = TestPorts.take(20);
        int[] second = TestPorts.take(20);
        for (int port : second) {
            assertThat(first).doesNotContain(port);
        }
    }

    @Test
    @DisplayName("a port some listener holds, or another JVM locked, is skipped")
    void skipsHeldPorts() throws IOException {
        int[] range = TestPorts.candidates(TestPorts.ephemeralRange());
        // Hold every port of a small stretch: a listener on half of them, another process's lock file on the rest
        // (a lock of this JVM's own channel stands for the other JVM: tryLock from the picker fails the same way).
        List<AutoCloseable> held = new ArrayList<>();
        List<Integer> blocked = new ArrayList<>();
        Files.createDirectories(TestPorts.LOCKS);
        try {
            for (int port = range[0]; port < range[0] + 40 && port <= range[1]; port++) {
                if (!TestPorts.bindable(port)) {
                    blocked.add(port);
                    continue;
                }
                if (port % 2 == 0) {
                    ServerSocket s = new ServerSocket();
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    held.add(s);
                } else {
                    FileChannel c = FileChannel.open(TestPorts.LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    held.add(c);
                    try {
                        if (c.tryLock() == null) {
                            continue;
                        }
                    } catch (OverlappingFileLockException e) {
                        // taken by an earlier test of this JVM: blocked all the same
                    }
                }
                blocked.add(port);
            }
            int[] ports = TestPorts.take(200);
            for (int port : ports) {
                assertThat(blocked).doesNotContain(port);
            }
        } finally {
            for (AutoCloseable c : held) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing a test's own socket or channel
                }
            }
        }
    }

    @Test
    @DisplayName("the stretch above the ephemeral range is used when it has 1,000 ports, else the one below; and a range covering all ports fails clearly")
    void candidates() {
        assertThat(TestPorts.candidates(new int[] {32768, 60999})).containsExactly(61000, 65535);
        assertThat(TestPorts.candidates(new int[] {32768, 65000})).containsExactly(10000, 32767);
        assertThat(TestPorts.candidates(new int[] {49152, 65535})).containsExactly(10000, 49151);
        assertThatThrownBy(() -> TestPorts.candidates(new int[] {1024, 65535}))
                .hasMessageContaining("ip_local_port_range");
    }
}
