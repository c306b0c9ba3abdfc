package io.midge.broker.transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link ClientCertificateTest} with the JDK's TLS, the fallback where BoringSSL does not load. */
class ClientCertificateJdkTest extends ClientCertificateTest {
    @BeforeAll
    static void useTheJdk() {
        System.setProperty(TlsContexts.PROVIDER_PROPERTY, "jdk");
    }

    @AfterAll
    static void useTheDefault() {
        System.clearProperty(TlsContexts.PROVIDER_PROPERTY);
    }
}
