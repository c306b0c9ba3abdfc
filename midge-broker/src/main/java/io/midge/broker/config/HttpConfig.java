package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.HTTP_TLS;

/** The HTTP listener (health, metrics): the {@link ConfigArea#HTTP} keys. */
public final class HttpConfig {
    private final String host;
    private final int port;
    private final Boolean allowAnonymous;
    private final TlsConfig tls;

    HttpConfig(Settings settings) {
        this.host = settings.get(HTTP_HOST);
        this.port = settings.get(HTTP_PORT);
        this.allowAnonymous = settings.get(HTTP_ALLOW_ANONYMOUS);
        this.tls = settings.get(HTTP_TLS);
    }

    /** Whether there is an HTTP listener at all ({@code http.port: 0} turns it off). */
    public boolean enabled() {
        return port != 0;
    }

    public String host() {
        return host;
    }

    /** The port to bind: as configured, and 0 (any free port) for the configuration's {@code -1}. */
    public int bindPort() {
        return Math.max(port, 0);
    }

    /** HTTPS settings, or null for plain HTTP. */
    public TlsConfig tls() {
        return tls;
    }

    /**
     * Whether requests without credentials are answered: as configured, else only on a loopback address (as an MQTT
     * listener decides for anonymous clients), so that nothing off the machine sees the broker unasked.
     */
    public boolean anonymousAllowed() {
        return allowAnonymous != null ? allowAnonymous : ListenerConfig.isLoopback(host);
    }
}
