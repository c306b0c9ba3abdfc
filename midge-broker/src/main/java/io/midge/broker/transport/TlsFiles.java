package io.midge.broker.transport;

import io.midge.broker.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The contents of a TLS listener's certificate, key and CA files, as read at one moment. The watcher compares two
 * readings byte for byte: content, unlike a modification time, also changes when a file is replaced within the
 * same second or swapped in through a symbolic link (as Kubernetes mounts secrets).
 */
record TlsFiles(byte[] cert, byte[] key, byte[] ca) {

    /** Reads the files named by the configuration; the exception names the file that could not be read. */
    static TlsFiles read(String listener, TlsConfig tls) {
        return new TlsFiles(read(listener, "cert", tls.certFile()), read(listener, "key", tls.keyFile()),
                tls.caFile() == null ? null : read(listener, "ca", tls.caFile()));
    }

    private static byte[] read(String listener, String key, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ListenerException("listener '" + listener + "': cannot read tls " + key + " file " + file
                    + " (" + describe(e) + ")", e);
        }
    }

    static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    boolean sameAs(TlsFiles other) {
        return other != null && Arrays.equals(cert, other.cert) && Arrays.equals(key, other.key)
                && Arrays.equals(ca, other.ca);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsFiles other && sameAs(other);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cert) * 31 + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "TlsFiles[" + cert.length + " + " + key.length + " bytes]";
    }
}
