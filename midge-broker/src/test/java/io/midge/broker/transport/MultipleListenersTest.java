package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Many listeners in one broker, each with its transport, all routing into the same topics. */
class MultipleListenersTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pem server;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority(dir, "multi");
        server = ca.server("server");
    }

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> b.set(LISTENERS, List.of(
            Listeners.tcp("tcp"),
            Listeners.tls("tls", Listeners.serverTls(server)),
            Listeners.ws("ws", "/mqtt"),
            Listeners.wss("wss", "/secure", Listeners.serverTls(server)))));

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    @Test
    @DisplayName("tcp, tls, ws and wss listeners at once: a message published through each reaches subscribers on "
            + "all four")
    void messagesCrossTransports() throws Exception {
        Map<String, String> uris = new LinkedHashMap<>();
        uris.put("tcp", "tcp://127.0.0.1:" + broker.broker().port("tcp"));
        uris.put("tls", "ssl://127.0.0.1:" + broker.broker().port("tls"));
        uris.put("ws", "ws://127.0.0.1:" + broker.broker().port("ws") + "/mqtt");
        uris.put("wss", "wss://127.0.0.1:" + broker.broker().port("wss") + "/secure");
        Map<String, PahoClients.Inbox> inboxes = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : uris.entrySet()) {
            boolean secure = e.getKey().equals("tls") || e.getKey().equals("wss");
            inboxes.put(e.getKey(), clients.connect(e.getValue(), "multi-" + e.getKey(),
                    secure ? ca.socketFactory(null) : null).subscribe("multi/#"));
        }
        for (Map.Entry<String, PahoClients.Inbox> e : inboxes.entrySet()) {
            e.getValue().publish("multi/" + e.getKey(), "via " + e.getKey());
        }
        List<String> expected = List.of("multi/tcp|via tcp", "multi/tls|via tls", "multi/ws|via ws",
                "multi/wss|via wss");
        for (Map.Entry<String, PahoClients.Inbox> e : inboxes.entrySet()) {
            List<String> received = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                received.add(e.getValue().next());
            }
            // Publishers on different connections: no order between them.
            assertThat(received).as("received on %s", e.getKey()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }
}
