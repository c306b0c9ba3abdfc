package io.midge.broker.config;

/**
 * A {@code tls} section outside the listeners (the HTTP listener's, the cluster links'), read as a listener's is.
 * A mutual one ({@link #mutual()}) is the cluster links': both ends present a certificate and check the other's
 * against {@code ca}, so {@code ca} is required and client certificates always are.
 */
final class TlsValue implements ValueType<TlsConfig> {
    private final boolean mutual;

    TlsValue() {
        this(false);
    }

    private TlsValue(boolean mutual) {
        this.mutual = mutual;
    }

    /** Both ends present a certificate, each checked against {@code ca}. */
    static TlsValue mutual() {
        return new TlsValue(true);
    }

    @Override
    public TlsConfig read(YamlValue value) {
        return new ListenerReader(value.source()).tls(value.key(), value.node());
    }

    @Override
    public String problem(TlsConfig value) {
        if (!mutual) {
            return null;
        }
        if (value.caFile() == null) {
            return "needs ca: each node checks the other's certificate against it, both ways";
        }
        if (value.clientAuth() == TlsConfig.ClientAuth.OPTIONAL) {
            return "client-auth must be required (or left out): every node presents its certificate";
        }
        if (value.certificateUsername() != TlsConfig.CertificateUsername.NONE) {
            return "takes no certificate-username: nodes have no usernames";
        }
        return null;
    }

    @Override
    public TlsConfig keep(TlsConfig value) {
        return mutual ? new TlsConfig(value.certFile(), value.keyFile(), value.caFile(), TlsConfig.ClientAuth.REQUIRED,
                TlsConfig.CertificateUsername.NONE, value.protocols()) : value;
    }

    @Override
    public String show(TlsConfig value) {
        return value.toString();
    }
}
