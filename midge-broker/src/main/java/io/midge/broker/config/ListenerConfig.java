package io.midge.broker.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One listener: where it listens, which transport it speaks and who may connect through it.
 *
 * @param name           names the listener in logs, metrics and error messages
 * @param transport      TCP, TLS, WebSocket or secure WebSocket
 * @param host           the address to bind to
 * @param port           the port; 0 picks a free one (tests)
 * @param path           the HTTP path of a WebSocket listener (ignored by the others)
 * @param allowAnonymous whether clients without a username may connect; null means the secure default: only when
 *                       the listener is bound to a loopback address
 * @param maxConnections connections open at once through this listener, at most; 0 means no limit of its own
 * @param tls            certificate, key and client-certificate policy of a TLS or WSS listener; null for the others
 */
public record ListenerConfig(String name, Transport transport, String host, int port, String path,
                             Boolean allowAnonymous, int maxConnections, TlsConfig tls) {

    /** What a listener speaks on the wire. */
    public enum Transport {
        TCP("tcp", false, false), TLS("tls", true, false), WS("ws", false, true), WSS("wss", true, true);

        private final String configName;
        private final boolean secure;
        private final boolean webSocket;

        Transport(String configName, boolean secure, boolean webSocket) {
            this.configName = configName;
            this.secure = secure;
            this.webSocket = webSocket;
        }

        /** The name used in the configuration file. */
        public String configName() {
            return configName;
        }

        public boolean isSecure() {
            return secure;
        }

        public boolean isWebSocket() {
            return webSocket;
        }

        /**
         * Plain TCP: the bytes of the MQTT packets are the socket's, so the codec counts them (no handler in front
         * of it, which would cost every connection a pipeline context).
         */
        public boolean isPlain() {
            return !secure && !webSocket;
        }
    }

    public ListenerConfig {
        check(name != null && !name.isBlank(), "a listener needs a name");
        check(transport != null, "listener '" + name + "': transport is required");
        check(host != null && !host.isBlank(), "listener '" + name + "': host is required");
        check(port >= 0 && port <= 65535, "listener '" + name + "': port must be 0-65535, not " + port);
        check(maxConnections >= 0, "listener '" + name + "': max-connections must not be negative");
        if (path == null) {
            path = "/mqtt";
        }
        check(path.startsWith("/"), "listener '" + name + "': path must start with '/', not '" + path + "'");
        check(transport.isSecure() == (tls != null), transport.isSecure()
                ? "listener '" + name + "': transport " + transport.configName() + " needs tls (cert and key)"
                : "listener '" + name + "': tls is only for transports tls and wss");
    }

    /** A plain TCP listener with the secure defaults: what a broker without a listeners section runs. */
    public static ListenerConfig tcp(String name, String host, int port) {
        return new ListenerConfig(name, Transport.TCP, host, port, null, null, 0, null);
    }

    public ListenerConfig withPort(int newPort) {
        return new ListenerConfig(name, transport, host, newPort, path, allowAnonymous, maxConnections, tls);
    }

    public ListenerConfig withHost(String newHost) {
        return new ListenerConfig(name, transport, newHost, port, path, allowAnonymous, maxConnections, tls);
    }

    /**
     * Whether clients without a username get in: as configured, else only on a loopback address (as Mosquitto 2
     * does: anonymous access from the network must be asked for in so many words).
     */
    public boolean anonymousAllowed() {
        return allowAnonymous != null ? allowAnonymous : isLoopback(host);
    }

    static boolean isLoopback(String host) {
        if (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1")) {
            return true; // the usual spellings, without parsing the address at every CONNECT
        }
        try {
            // Literal addresses only: a name is not looked up at start.
            if (!host.isEmpty() && (Character.digit(host.charAt(0), 16) >= 0 || host.contains(":"))) {
                return InetAddress.getByName(host).isLoopbackAddress();
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
