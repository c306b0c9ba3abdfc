package io.midge.broker.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for child brokers that must come back on the same port after a restart (a Hazelcast member is known to the
 * others by its port, a client reconnects to the port it knew). A port the kernel handed out as free ({@code new
 * ServerSocket(0)}) lies in its ephemeral range, which the kernel also uses for the local end of every outgoing
 * connection: between the pick and a restart's bind, some connection (Hazelcast's, a client's) could take it, and the
 * restart failed with "Address already in use". These ports lie outside that range, so no outgoing connection can
 * take them; a lock file per port, held until this JVM exits (even by SIGKILL, the kernel drops the lock), keeps test
 * JVMs running at the same time apart; and a bind at the pick skips ports that some listener holds.
 */
final class TestPorts {
    /** Where the ephemeral range is not known (no /proc): Linux's default start and the IANA range's end. */
    static final int[] ASSUMED_EPHEMERAL = {32768, 65535};
    static final String RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range";
    private static final int LOWEST = 10000;
    static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "midge-test-ports");
    /** The locks this JVM holds, never released: a port stays this JVM's until it exits. */
    private static final List<FileLock> HELD = new ArrayList<>();
    private static final Set<Integer> TAKEN = new HashSet<>();

    private TestPorts() {
    }

    /** {@code n} different ports outside the ephemeral range, free now and reserved for this JVM. */
    static synchronized int[] take(int n) {
        int[] range = candidates(ephemeralRange());
        int size = range[1] - range[0] + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        int[] ports = new int[n];
        int found = 0;
        for (int k = 0; k < size && found < n; k++) {
            int port = range[0] + (start + k) % size;
            if (reserve(port)) {
                ports[found++] = port;
            }
        }
        if (found < n) {
            throw new IllegalStateException("only " + found + " of " + n + " free ports in " + range[0] + "-"
                    + range[1]);
        }
        return ports;
    }

    /** The kernel's ephemeral range, from /proc on Linux, else {@link #ASSUMED_EPHEMERAL}. */
    static int[] ephemeralRange() {
        try {
            // Not Files.readString: on JDK 17 it returned "3" for this file (it trusts the size /proc reports, 0).
            String[] parts = Files.readAllLines(Path.of(RANGE_FILE)).get(0).trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return ASSUMED_EPHEMERAL.clone();
        }
    }

    /**
     * The stretch above the ephemeral range up to 65535 when it has at least 1,000 ports (61000-65535 on Linux's
     * default range: away from the ports people pick by hand for brokers they run themselves), else the larger of it
     * and the stretch below down to 10000 (under that live well-known services). None at all when the ephemeral range
     * covers both: fail rather than flake.
     */
    static int[] candidates(int[] ephemeral) {
        int aboveLow = ephemeral[1] + 1;
        int belowHigh = ephemeral[0] - 1;
        int above = 65535 - aboveLow + 1;
        int below = belowHigh - LOWEST + 1;
        if (Math.max(above, below) < 100) {
            throw new IllegalStateException("the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]
                    + " leaves fewer than 100 ports for tests (/proc/sys/net/ipv4/ip_local_port_range)");
        }
        return above >= 1000 || above >= below ? new int[] {aboveLow, 65535} : new int[] {LOWEST, belowHigh};
    }

    private static boolean reserve(int port) {
        if (TAKEN.contains(port)) {
            return false;
        }
        try {
            Files.createDirectories(LOCKS);
            FileChannel channel = FileChannel.open(LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                return false;
            }
            if (!bindable(port)) {
                lock.release();
                channel.close();
                return false;
            }
            HELD.add(lock);
            TAKEN.add(port);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a listener could bind the port now, on the loopback and on every address. */
    static boolean bindable(int port) {
        for (InetAddress address : new InetAddress[] {InetAddress.getLoopbackAddress(), null}) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
