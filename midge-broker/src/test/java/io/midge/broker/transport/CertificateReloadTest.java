package io.midge.broker.transport;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.Listeners;
import io.midge.broker.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Certificates replaced on disk are served to new connections without a restart; connections already open stay
 * up; files that cannot be used leave the certificate in use as it is and are reported naming the file.
 */
class CertificateReloadTest {
    /** The watcher looks every two seconds; a loaded CI machine may take longer. */
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path caDir;
    static TestCertificates ca;

    @BeforeAll
    static void authority() {
        ca = TestCertificates.authority(caDir, "reload");
    }

    @TempDir
    Path dir;
    private Path certFile;
    private Path keyFile;

    @RegisterExtension
    @Order(1)
    final BrokerExtension broker = new BrokerExtension(b -> {
        certFile = dir.resolve("server.pem");
        keyFile = dir.resolve("server.key");
        ca.serverInto(certFile, keyFile, "midge-one");
        return b.set(LISTENERS, List.of(Listeners.tls("tls", Listeners.serverTls(
                new TestCertificates.Pem(certFile, keyFile, null, null)))));
    });

    @RegisterExtension
    @Order(2)
    final PahoClients clients = new PahoClients();

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureLog() {
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ReloadingSslContext.class);
        logger.addAppender(log);
        logger.setAdditive(false); // the errors are expected here: kept out of the console
    }

    @AfterEach
    void releaseLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(ReloadingSslContext.class);
        logger.detachAppender(log);
        logger.setAdditive(true);
    }

    @Test
    @DisplayName("A replaced certificate is presented to new connections; a connection already open stays up")
    void newCertificateForNewConnections() throws Exception {
        assertThat(serverCommonName()).isEqualTo("midge-one");
        PahoClients.Inbox existing = clients.connect(uri(), "reload-existing", ca.socketFactory(null))
                .subscribe("reload/t");

        ca.serverInto(certFile, keyFile, "midge-two");

        await().atMost(RELOAD_WAIT).until(() -> serverCommonName().equals("midge-two"));
        PahoClients.Inbox fresh = clients.connect(uri(), "reload-fresh", ca.socketFactory(null));
        fresh.publish("reload/t", "after the reload");
        assertThat(existing.next()).isEqualTo("reload/t|after the reload");
        assertThat(existing.client.isConnected()).isTrue();
    }

    @Test
    @DisplayName("A broken replacement (not a certificate, a key of another certificate, a missing file) keeps the "
            + "certificate in use and is logged naming the file; a good one is taken after it")
    void brokenReplacementKeepsTheOldCertificate(@TempDir Path elsewhere) throws Exception {
        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                + "-----END CERTIFICATE-----\n");
        awaitError("tls cert file " + certFile);
        assertThat(serverCommonName()).isEqualTo("midge-one");

        TestCertificates.Pem other = ca.server("other", "midge-other");
        ca.serverInto(certFile, elsewhere.resolve("unused.key"), "midge-mismatch");
        Files.copy(other.key(), keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        awaitError("tls key file " + keyFile + ": the key does not belong to the certificate");
        assertThat(serverCommonName()).isEqualTo("midge-one");

        Files.delete(certFile);
        awaitError("cannot read tls cert file " + certFile + " (no such file)");
        assertThat(serverCommonName()).isEqualTo("midge-one");

        ca.serverInto(certFile, keyFile, "midge-three");
        await().atMost(RELOAD_WAIT).until(() -> serverCommonName().equals("midge-three"));
    }

    private void awaitError(String text) {
        await().atMost(RELOAD_WAIT).until(() -> List.copyOf(log.list).stream()
                .anyMatch(e -> e.getFormattedMessage().contains(text)));
    }

    private String serverCommonName() throws Exception {
        return ca.handshake(broker.broker().port("tls"), null).serverCommonName();
    }

    private String uri() {
        return "ssl://127.0.0.1:" + broker.broker().port("tls");
    }
}
