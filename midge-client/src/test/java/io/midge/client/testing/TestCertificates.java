package io.midge.client.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A certificate authority, a server certificate for 127.0.0.1/localhost and a client certificate, all PEM, made
 * with the {@code openssl} command in a directory of the test's: {@code ca.pem}, {@code server.pem}/{@code
 * server.key}, {@code client.pem}/{@code client.key} (keys PKCS#8), and a second, unrelated authority
 * {@code other-ca.pem}.
 */
public record TestCertificates(Path dir) {

    public static TestCertificates create(Path dir) {
        TestCertificates c = new TestCertificates(dir);
        c.authority("ca");
        c.authority("other-ca");
        Path ext = dir.resolve("server.ext");
        try {
            Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.signed("server", "/CN=localhost", ext);
        c.signed("client", "/CN=midge-test-client", null);
        Path elsewhere = dir.resolve("elsewhere.ext");
        try {
            Files.writeString(elsewhere, "subjectAltName=DNS:elsewhere.example\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.signed("elsewhere", "/CN=elsewhere.example", elsewhere);
        c.readableByAll();
        return c;
    }

    /** Mosquitto started as root drops to its own user, which must be able to read the files. */
    private void readableByAll() {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    private void authority(String name) {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".pem");
    }

    private void signed(String name, String subject, Path ext) {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key", "-out",
                name + ".csr");
        List<String> sign = new java.util.ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", name + ".pem"));
        if (ext != null) {
            sign.add("-extfile");
            sign.add(ext.toString());
        }
        openssl(sign.toArray(String[]::new));
    }

    private void openssl(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("openssl failed: " + command + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
