package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.PersistenceException;
import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.RawClient;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.protocol.ReasonCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** How the broker opens its store: one broker per directory, a damaged store stops the start, in-memory writes nothing. */
class StoreStartTest {
    @TempDir
    static Path temp;

    private final Path dir = temp.resolve("store-" + System.nanoTime());

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension().durable(dir);

    private static BrokerConfig.Builder config() {
        return BrokerConfig.builder().host("127.0.0.1").port(0).ioThreads(1);
    }

    @Test
    void theStoreIsCreatedInTheDataDirectoryAndTheBrokerServes() throws Exception {
        assertThat(dir.resolve("CURRENT")).exists();
        try (RawClient client = new RawClient(broker.port())) {
            assertThat(client.connect("store-start-serves").reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirectoryRefusesToStart() {
        assertThatThrownBy(() -> Broker.start(config().dataDir(dir).build()))
                .isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toAbsolutePath().normalize().toString());
        // The first broker is unharmed.
        assertThat(broker.broker().sessions().size()).isZero();
    }

    @Test
    void aCorruptStoreStopsTheStartNamingTheDirectory() throws Exception {
        Path damaged = temp.resolve("damaged-" + System.nanoTime());
        Broker.start(config().dataDir(damaged).build()).close();
        Files.write(damaged.resolve("CURRENT"), "garbage\n".getBytes());
        assertThatThrownBy(() -> Broker.start(config().dataDir(damaged).build()))
                .isInstanceOf(PersistenceException.class)
                .hasMessageContaining(damaged.toAbsolutePath().normalize().toString());
    }

    @Test
    void inMemoryWritesNothingToDisk() throws Exception {
        Path unused = temp.resolve("unused-" + System.nanoTime());
        try (Broker memory = Broker.start(config().dataDir(unused).inMemory(true).build());
             RawClient client = new RawClient(memory.port())) {
            ConnAck ack = client.connect("store-start-in-memory");
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
        assertThat(unused).doesNotExist();
    }
}
