package io.midge.broker.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority that writes PEM files: its own certificate, server certificates for 127.0.0.1 and
 * localhost, and client certificates with a chosen CN and subject alternative names. EC P-256 keys: quick to make.
 * {@code TestCertificates ca = TestCertificates.authority(tempDir, "test");} then {@code ca.server("server")}.
 */
public final class TestCertificates {
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xFFFFFFFFL);

    /** A certificate and its key as PEM files, and the certificate itself. */
    public record Pem(Path cert, Path key, X509Certificate certificate, KeyPair keys) {
    }

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Path caFile;

    private TestCertificates(Path dir, KeyPair caKeys, X509Certificate caCertificate, Path caFile) {
        this.dir = dir;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.caFile = caFile;
    }

    /** A new CA named "{name} Test CA", its certificate written to {@code dir/{name}-ca.pem}. */
    public static TestCertificates authority(Path dir, String name) {
        try {
            KeyPair keys = newKeys();
            X500Name subject = new X500Name("O=Midge tests,CN=" + name + " Test CA");
            X509v3CertificateBuilder b = builder(subject, subject, keys);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(b, keys);
            Path file = dir.resolve(name + "-ca.pem");
            Files.writeString(file, pem(cert));
            return new TestCertificates(dir, keys, cert, file);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    /** A server certificate (CN=localhost) for 127.0.0.1, ::1 and localhost: {@code dir/{stem}.pem}, {@code .key}. */
    public Pem server(String stem) {
        return server(stem, "localhost");
    }

    /** A server certificate with this CN (and SANs 127.0.0.1, ::1, localhost). */
    public Pem server(String stem, String cn) {
        return issue(dir.resolve(stem + ".pem"), dir.resolve(stem + ".key"), cn, KeyPurposeId.id_kp_serverAuth,
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.dNSName, "localhost"));
    }

    /**
     * A client certificate with this CN (none when null) and these subject alternative names: an e-mail address
     * when it holds '@', else a DNS name.
     */
    public Pem client(String stem, String cn, String... alternativeNames) {
        List<GeneralName> names = new ArrayList<>();
        for (String n : alternativeNames) {
            names.add(new GeneralName(n.contains("@") ? GeneralName.rfc822Name : GeneralName.dNSName, n));
        }
        return issue(dir.resolve(stem + ".pem"), dir.resolve(stem + ".key"), cn, KeyPurposeId.id_kp_clientAuth,
                names.toArray(GeneralName[]::new));
    }

    /** Issues a server certificate into these two files (replacing them: certificate reloads). */
    public Pem serverInto(Path cert, Path key, String cn) {
        return issue(cert, key, cn, KeyPurposeId.id_kp_serverAuth, new GeneralName(GeneralName.iPAddress,
                "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost"));
    }

    /**
     * A cluster node's certificate, for both ends of its links: server and client authentication, CN=localhost and
     * the server's SANs.
     */
    public Pem node(String stem) {
        return issue(dir.resolve(stem + ".pem"), dir.resolve(stem + ".key"), "localhost",
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost"));
    }

    private Pem issue(Path certFile, Path keyFile, String cn, KeyPurposeId purpose, GeneralName... names) {
        return issue(certFile, keyFile, cn, new KeyPurposeId[] {purpose}, names);
    }

    private Pem issue(Path certFile, Path keyFile, String cn, KeyPurposeId[] purposes, GeneralName... names) {
        try {
            KeyPair keys = newKeys();
            X500Name subject = new X500Name(cn == null ? "O=Midge tests" : "O=Midge tests,CN=" + cn);
            X509v3CertificateBuilder b = builder(X500Name.getInstance(caCertificate.getSubjectX500Principal()
                    .getEncoded()), subject, keys);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(caKeys.getPublic()));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            if (names.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            X509Certificate cert = sign(b, caKeys);
            // Key first, certificate last: a reader that sees the new certificate sees its key too.
            Files.writeString(keyFile, pkcs8(keys));
            Files.writeString(certFile, pem(cert));
            return new Pem(certFile, keyFile, cert, keys);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a test certificate", e);
        }
    }

    /**
     * A JDK SSL context that trusts this CA and offers these protocols (all the JDK's when none), presenting the
     * client certificate when one is given.
     */
    public SSLContext clientContext(Pem clientCertificate) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (clientCertificate != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", clientCertificate.keys().getPrivate(), new char[0],
                        new X509Certificate[] {clientCertificate.certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManager[] keyManagers = kmf == null ? null
                    : new KeyManager[] {new AlwaysPresent((X509KeyManager) kmf.getKeyManagers()[0])};
            context.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A socket factory for Paho: trusts this CA, presents the client certificate if any, offers these protocols. */
    public SSLSocketFactory socketFactory(Pem clientCertificate, String... protocols) {
        SSLSocketFactory factory = clientContext(clientCertificate).getSocketFactory();
        return protocols.length == 0 ? factory : new ProtocolLimitedFactory(factory, protocols);
    }

    public TrustManagerFactory trustManagerFactory() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens a TLS connection to 127.0.0.1:port trusting this CA, completes the handshake and returns the server's
     * certificate and the negotiated protocol; fails with the handshake's exception.
     */
    public Handshake handshake(int port, Pem clientCertificate, String... protocols) throws IOException {
        try (SSLSocket socket = (SSLSocket) socketFactory(clientCertificate, protocols).createSocket("127.0.0.1",
                port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return new Handshake((X509Certificate) socket.getSession().getPeerCertificates()[0],
                    socket.getSession().getProtocol());
        }
    }

    /** What a finished handshake showed. */
    public record Handshake(X509Certificate serverCertificate, String protocol) {
        public String serverCommonName() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|,)CN=([^,]*)")
                    .matcher(serverCertificate.getSubjectX500Principal().getName());
            return m.find() ? m.group(1) : null;
        }
    }

    private static KeyPair newKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    private static String pkcs8(KeyPair keys) throws IOException {
        return pem(new JcaPKCS8Generator(keys.getPrivate(), null));
    }

    /** Limits the protocols of every socket it makes (a TLS 1.2-only or 1.3-only client). */
    private static final class ProtocolLimitedFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String[] protocols;

        ProtocolLimitedFactory(SSLSocketFactory delegate, String[] protocols) {
            this.delegate = delegate;
            this.protocols = protocols;
        }

        private Socket limit(Socket s) {
            ((SSLSocket) s).setEnabledProtocols(protocols);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return limit(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException {
            return limit(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return limit(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, java.net.InetAddress localHost, int localPort)
                throws IOException {
            return limit(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(java.net.InetAddress host, int port) throws IOException {
            return limit(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress localAddress,
                                   int localPort) throws IOException {
            return limit(delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    /**
     * Presents the client certificate whatever CAs the server names: the JDK would otherwise send none when the
     * issuer is not among them, and a certificate from another CA could not be shown to be refused.
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509KeyManager delegate;

        AlwaysPresent(X509KeyManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }
}
