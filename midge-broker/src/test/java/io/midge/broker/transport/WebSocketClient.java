package io.midge.broker.transport;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * The JDK's WebSocket client, for what MQTT libraries do not show: the negotiated subprotocol, the HTTP status of a
 * refused handshake, fragmented and text frames. Collects the binary bytes it receives and the close code.
 */
final class WebSocketClient implements WebSocket.Listener, AutoCloseable {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final HttpClient http;
    WebSocket socket;

    private WebSocketClient(SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        http = b.build();
    }

    /** Opens the WebSocket asking for these subprotocols; throws what the handshake failed with. */
    static WebSocketClient open(String uri, SSLContext ssl, String... subprotocols) throws Exception {
        WebSocketClient client = new WebSocketClient(ssl);
        WebSocket.Builder b = client.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        try {
            client.socket = b.buildAsync(URI.create(uri), client).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** The bytes received so far. */
    synchronized byte[] received() {
        return received.toByteArray();
    }

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        received.writeBytes(bytes);
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    /**
     * Drops the connection. The HttpClient of Java 17 has no close(): it lets go of its selector thread once nobody
     * refers to it, and it had no connection but this one.
     */
    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
    }
}
