package io.midge.broker.transport;

import io.midge.broker.config.TlsConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a TLS listener's server {@link SslContext} from its PEM files: through BoringSSL where Netty's native
 * library loads (less CPU per handshake and per byte than the JDK), else through the JDK. Every file is checked
 * before use, so that a mistake is reported naming the file rather than as failed handshakes later.
 */
public final class TlsContexts {
    /** {@code -Dmidge.tls.provider=jdk} uses the JDK's TLS even where BoringSSL is available. */
    public static final String PROVIDER_PROPERTY = "midge.tls.provider";

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final byte[] PROBE = "midge: does this key belong to the certificate?"
            .getBytes(StandardCharsets.US_ASCII);

    private TlsContexts() {
    }

    /** BoringSSL when it loads and offers every protocol asked for, else the JDK. */
    public static SslProvider provider(TlsConfig tls) {
        if ("jdk".equalsIgnoreCase(System.getProperty(PROVIDER_PROPERTY, ""))) {
            return SslProvider.JDK;
        }
        if (!OpenSsl.isAvailable() || tls.protocols().contains("TLSv1.3") && !SslProvider.isTlsv13Supported(SslProvider.OPENSSL)) {
            return SslProvider.JDK;
        }
        return SslProvider.OPENSSL;
    }

    /** How the provider is named in the log. */
    public static String describe(SslProvider provider) {
        return provider == SslProvider.JDK ? "the JDK (" + Runtime.version() + ")" : OpenSsl.versionString();
    }

    /**
     * The server context for these files, or with {@code client} the client end's (a cluster node's link: its
     * certificate for the other end to check, and the CA it checks the other end's against, without host names).
     * Throws a {@link ListenerException} naming the listener and the file when a file holds no usable certificate
     * or key, or when the key does not belong to the certificate.
     */
    static SslContext build(String listener, TlsConfig tls, SslProvider provider, TlsFiles files, boolean client) {
        List<X509Certificate> chain = certificates(listener, "cert", tls.certFile(), files.cert());
        List<X509Certificate> cas = files.ca() == null ? null
                : certificates(listener, "ca", tls.caFile(), files.ca());
        PrivateKey key = pkcs8Key(files.key());
        if (key == null && !new String(files.key(), StandardCharsets.US_ASCII).contains("PRIVATE KEY-----")) {
            throw fail(listener, "key", tls.keyFile(), "no PEM private key in it", null);
        }
        if (key != null && !belongsTo(key, chain.get(0).getPublicKey())) {
            throw fail(listener, "key", tls.keyFile(), "the key does not belong to the certificate in "
                    + tls.certFile(), null);
        }
        try {
            SslContextBuilder builder;
            if (client) {
                builder = SslContextBuilder.forClient()
                        // The peer is whoever holds a certificate of the cluster's own CA: nodes have no host names.
                        .endpointIdentificationAlgorithm(null);
                if (key != null) {
                    builder.keyManager(key, chain.toArray(X509Certificate[]::new));
                } else {
                    builder.keyManager(new ByteArrayInputStream(files.cert()), new ByteArrayInputStream(files.key()));
                }
            } else {
                builder = key != null
                        ? SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                        // Netty reads the forms the JDK cannot (PKCS#1 with BouncyCastle on the class path).
                        : SslContextBuilder.forServer(new ByteArrayInputStream(files.cert()),
                                new ByteArrayInputStream(files.key()));
                builder.clientAuth(switch (tls.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
            }
            builder.sslProvider(provider).protocols(tls.protocols());
            if (cas != null) {
                builder.trustManager(cas.toArray(X509Certificate[]::new));
            }
            return builder.build();
        } catch (Exception e) {
            // The certificates were read above, so what the provider refuses here is the key.
            throw fail(listener, "key", tls.keyFile(), e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(String listener, String what, Path file, byte[] pem) {
        try {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certs.isEmpty()) {
                throw fail(listener, what, file, "no PEM certificate in it", null);
            }
            return certs;
        } catch (CertificateException e) {
            throw fail(listener, what, file, "not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** An unencrypted PKCS#8 key ("BEGIN PRIVATE KEY"), or null for any other form (left to Netty). */
    private static PrivateKey pkcs8Key(byte[] pem) {
        Matcher m = PKCS8.matcher(new String(pem, StandardCharsets.US_ASCII));
        if (!m.find()) {
            return null;
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        return null;
    }

    /**
     * Whether the key signs what the certificate's public key verifies: a certificate replaced without its key
     * (or the other way round) is caught here instead of failing every handshake. Unknown algorithms pass.
     */
    private static boolean belongsTo(PrivateKey key, PublicKey certificateKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another kind than the certificate's
        }
    }

    private static ListenerException fail(String listener, String what, Path file, String why, Exception cause) {
        return new ListenerException("listener '" + listener + "': tls " + what + " file " + file + ": " + why, cause);
    }
}
