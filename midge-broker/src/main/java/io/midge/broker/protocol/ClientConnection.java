package io.midge.broker.protocol;

import io.midge.broker.session.Session;
import io.midge.codec.protocol.MqttVersion;
import java.net.SocketAddress;

/**
 * What the management API may see and do of a connected client, and nothing more: its figures, read from any
 * thread, and a kick through the connection's own {@link Disconnector}, on its loop.
 *
 * <p>The figures set at CONNECT (user, version, keep-alive, ...) are safely published through the session's
 * volatile {@code online} flag (see {@link Session#connection}). The counters are plain fields written on the
 * connection's loop with opaque stores and read with opaque loads: each read is a whole value, at worst a few
 * messages old, and the publish path pays no fence and no lock for them.
 */
public interface ClientConnection {
    /** The connection attached to the session now, or null when it is offline (or not an MQTT connection). */
    static ClientConnection of(Session session) {
        return session.isOnline() && session.connection() instanceof ClientConnection c ? c : null;
    }

    /** The user name the client authenticated as; null when anonymous. */
    String username();

    SocketAddress remoteAddress();

    /** The name of the listener the client came in through. */
    String listener();

    MqttVersion version();

    /** The keep-alive in force, in seconds (the broker's Server Keep Alive where it overrode the client's). */
    int keepAlive();

    /** When the session was opened for this connection (CONNACK), in seconds since the epoch. */
    long connectedSinceSeconds();

    /** Whether the client asked for a clean start (3.1.1: clean session). */
    boolean cleanStart();

    /** PUBLISH packets from the client on this connection. */
    long messagesIn();

    /** PUBLISH packets to the client on this connection, re-sends included. */
    long messagesOut();

    /** Bytes read from this connection, as on the socket (TLS and WebSocket framing included). */
    long bytesIn();

    /** Bytes written to this connection, as on the socket. */
    long bytesOut();

    /**
     * Ends the connection at an administrator's request, from any thread: in 5.0 with DISCONNECT 0x98
     * Administrative action, in 3.x by closing it. Its will is published, as for any connection the broker ends.
     * Runs on the connection's loop; {@code then} runs there afterwards.
     */
    void kick(String reason, Runnable then);
}
