package io.midge.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * How the client speaks TLS: which certificate authorities it trusts, and the certificate it shows when the broker
 * asks for one. Build with {@link #builder()}; with no CA file, the JDK's default trust store is used.
 */
public final class TlsSettings {
    private final Path caFile;
    private final Path certFile;
    private final Path keyFile;
    private final boolean verifyHostname;
    private final SslContext context;

    private TlsSettings(Builder b) {
        this.caFile = b.caFile;
        this.certFile = b.certFile;
        this.keyFile = b.keyFile;
        this.verifyHostname = b.verifyHostname;
        this.context = b.context;
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
    }

    /** A builder with hostname verification on and the JDK's trust store. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the broker's certificate must name the host connected to. */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** The Netty SSL context these settings describe (JDK provider). */
    public SslContext sslContext() throws SSLException {
        if (context != null) {
            return context;
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (caFile != null) {
            builder.trustManager(caFile.toFile());
        }
        if (certFile != null) {
            builder.keyManager(certFile.toFile(), keyFile.toFile());
        }
        if (verifyHostname) {
            builder.endpointIdentificationAlgorithm("HTTPS");
        } else {
            builder.endpointIdentificationAlgorithm(null);
        }
        return builder.build();
    }

    /** Builds {@link TlsSettings}. */
    public static final class Builder {
        private Path caFile;
        private Path certFile;
        private Path keyFile;
        private boolean verifyHostname = true;
        private SslContext context;

        private Builder() {
        }

        /** The PEM file of the certificate authorities to trust (mosquitto's {@code --cafile}). */
        public Builder caFile(Path caFile) {
            this.caFile = Objects.requireNonNull(caFile);
            return this;
        }

        /** The client's certificate (PEM) and its PKCS#8 private key (PEM, unencrypted). */
        public Builder clientCertificate(Path certFile, Path keyFile) {
            this.certFile = Objects.requireNonNull(certFile);
            this.keyFile = Objects.requireNonNull(keyFile);
            return this;
        }

        /** Whether the broker's certificate must name the host (default true; false is mosquitto's --insecure). */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /** A ready Netty context instead of files; it should already be set up for endpoint identification. */
        public Builder sslContext(SslContext context) {
            this.context = Objects.requireNonNull(context);
            return this;
        }

        /** The settings. */
        public TlsSettings build() {
            return new TlsSettings(this);
        }
    }
}
