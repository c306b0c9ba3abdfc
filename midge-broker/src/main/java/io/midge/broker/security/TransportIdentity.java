package io.midge.broker.security;

import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who a client is by its verified TLS client certificate, on a listener whose {@code certificate-username} is
 * {@code cn} or {@code san}. Read when CONNECT arrives: by then the handshake is complete, because the TLS handler
 * hands on no application data before it is.
 *
 * @param username the certificate's common name or first subject alternative name (DNS name, e-mail address or
 *                 URI, in the certificate's order); null when the certificate has none
 */
public record TransportIdentity(String username) {

    /**
     * The identity of the client on this channel; null when the listener does not take usernames from
     * certificates or the client presented none (client-auth optional).
     */
    public static TransportIdentity of(Channel channel, ListenerConfig listener) {
        TlsConfig tls = listener.tls();
        if (tls == null || tls.certificateUsername() == TlsConfig.CertificateUsername.NONE) {
            return null;
        }
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null; // no certificate: allowed with client-auth optional
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
            return null;
        }
        return new TransportIdentity(tls.certificateUsername() == TlsConfig.CertificateUsername.CN
                ? commonName(certificate) : alternativeName(certificate));
    }

    /** The most specific CN of the subject (the first in its RFC 2253 form). */
    static String commonName(X509Certificate certificate) {
        try {
            List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            String cn = null;
            for (Rdn rdn : rdns) { // least specific first
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                }
            }
            return cn == null || cn.isEmpty() ? null : cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    /** The first DNS name (2), e-mail address (1) or URI (6) among the subject alternative names. */
    static String alternativeName(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return null;
            }
            for (List<?> name : names) {
                int type = (Integer) name.get(0);
                if ((type == 1 || type == 2 || type == 6) && name.get(1) instanceof String value && !value.isEmpty()) {
                    return value;
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }
}
