package io.midge.broker.transport;

import io.midge.broker.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS listener's server context, replaceable while the listener runs: each new connection takes the context
 * current when it is accepted; connections already open keep the one they were handshaken with. A client context
 * ({@link #loadClient}: a cluster node's links to the others) is made and replaced the same way, per connection
 * opened.
 */
public final class ReloadingSslContext {
    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

    private final String listener;
    private final TlsConfig tls;
    private final SslProvider provider;
    private final boolean client;
    private volatile SslContext current;
    // Touched by the watcher's thread only (and by the constructor before it starts).
    private TlsFiles loaded;
    private TlsFiles refused;
    private String unreadable;

    private ReloadingSslContext(String listener, TlsConfig tls, SslProvider provider, boolean client) {
        this.listener = listener;
        this.tls = tls;
        this.provider = provider;
        this.client = client;
    }

    /** Reads and checks the files now; a {@link ListenerException} names the file that is missing or wrong. */
    public static ReloadingSslContext load(String listener, TlsConfig tls) {
        return load(listener, tls, false);
    }

    /**
     * The client end's context, from the same kind of files: its certificate and key, which the other end checks,
     * and the CA it checks the other end's certificate against. Watch it with a {@link CertificateWatcher}.
     */
    public static ReloadingSslContext loadClient(String name, TlsConfig tls) {
        return load(name, tls, true);
    }

    private static ReloadingSslContext load(String listener, TlsConfig tls, boolean client) {
        ReloadingSslContext context = new ReloadingSslContext(listener, tls, TlsContexts.provider(tls), client);
        TlsFiles files = TlsFiles.read(listener, tls);
        context.current = TlsContexts.build(listener, tls, context.provider, files, client);
        context.loaded = files;
        return context;
    }

    public SslProvider provider() {
        return provider;
    }

    /** The TLS handler for a connection accepted now. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return current.newHandler(alloc);
    }

    /**
     * Reads the files again and, when they changed, builds a new context from them. New files that cannot be used
     * (half written, or a key without its certificate) leave the current context in place and are reported once,
     * naming the file; the next change is tried again.
     *
     * @return whether a new context is now in use
     */
    synchronized boolean reloadIfChanged() {
        TlsFiles files;
        try {
            files = TlsFiles.read(listener, tls);
            unreadable = null;
        } catch (ListenerException e) {
            if (!e.getMessage().equals(unreadable)) {
                unreadable = e.getMessage();
                log.error("{}; still using the certificate loaded before", e.getMessage());
            }
            return false;
        }
        if (files.sameAs(loaded) || files.sameAs(refused)) {
            return false;
        }
        try {
            current = TlsContexts.build(listener, tls, provider, files, client);
        } catch (ListenerException e) {
            refused = files;
            log.error("{}; still using the certificate loaded before", e.getMessage());
            return false;
        }
        loaded = files;
        refused = null;
        log.info("Listener '{}': reloaded the TLS certificate from {} ({})", listener, tls.certFile(),
                describe(files.cert()));
        return true;
    }

    private static String describe(byte[] pem) {
        try {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem));
            return c.getSubjectX500Principal().getName() + ", serial " + c.getSerialNumber().toString(16)
                    + ", valid until " + c.getNotAfter().toInstant();
        } catch (Exception e) {
            return "unreadable subject";
        }
    }

    /** What the log says about the listener's first certificate. */
    public String describeLoaded() {
        return describe(loaded.cert());
    }
}
