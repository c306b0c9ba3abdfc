package io.midge.broker.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The TLS side of a listener.
 *
 * @param certFile          the server's certificate chain, PEM
 * @param keyFile           the server's private key, PEM (PKCS#8; PKCS#1 RSA keys too where the provider reads them)
 * @param caFile            the certificates that client certificates must chain to, PEM; null when none are asked for
 * @param clientAuth        whether clients must, may or may not present a certificate
 * @param certificateUsername whether a client certificate's identity becomes the username, and which part of it
 * @param protocols         the TLS versions offered (TLSv1.2, TLSv1.3)
 */
public record TlsConfig(Path certFile, Path keyFile, Path caFile, ClientAuth clientAuth,
                        CertificateUsername certificateUsername, List<String> protocols) {

    /** Whether a client certificate is asked for. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRED }

    /** What of a verified client certificate is used as the username. */
    public enum CertificateUsername { NONE, CN, SAN }

    public TlsConfig {
        check(certFile != null, "tls needs cert");
        check(keyFile != null, "tls needs key");
        if (clientAuth == null) {
            clientAuth = ClientAuth.NONE;
        }
        if (certificateUsername == null) {
            certificateUsername = CertificateUsername.NONE;
        }
        if (protocols == null || protocols.isEmpty()) {
            protocols = List.of("TLSv1.3", "TLSv1.2");
        }
        protocols = List.copyOf(protocols);
        for (String p : protocols) {
            check(p.equals("TLSv1.2") || p.equals("TLSv1.3"), "tls protocols must be TLSv1.2 or TLSv1.3, not " + p);
        }
        check(clientAuth == ClientAuth.NONE || caFile != null, "tls client-auth " + clientAuth.name().toLowerCase()
                + " needs ca (the certificates client certificates must chain to)");
        check(certificateUsername == CertificateUsername.NONE || clientAuth != ClientAuth.NONE,
                "tls certificate-username needs client-auth optional or required");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
