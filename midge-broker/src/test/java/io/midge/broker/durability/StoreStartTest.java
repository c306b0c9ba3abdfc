package io.midge.broker.durability;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.persistence.PersistenceException;
import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
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
        return BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(HTTP_PORT, 0).set(IO_THREADS, 1);
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
        assertThatThrownBy(() -> Broker.start(config().set(DATA_DIR, dir).build()))
                .isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toAbsolutePath().normalize().toString());
        // The first broker is unharmed.
        assertThat(broker.broker().sessions().size()).isZero();
    }

    @Test
    void aCorruptStoreStopsTheStartNamingTheDirectory() throws Exception {
        Path damaged = temp.resolve("damaged-" + System.nanoTime());
        Broker.start(config().set(DATA_DIR, damaged).build()).close();
        Files.write(damaged.resolve("CURRENT"), "garbage\n".getBytes());
        assertThatThrownBy(() -> Broker.start(config().set(DATA_DIR, damaged).build()))
                .isInstanceOf(PersistenceException.class)
                .hasMessageContaining(damaged.toAbsolutePath().normalize().toString());
    }

    @Test
    void inMemoryWritesNothingToDisk() throws Exception {
        Path unused = temp.resolve("unused-" + System.nanoTime());
        try (Broker memory = Broker.start(config().set(DATA_DIR, unused).set(IN_MEMORY, true).build());
             RawClient client = new RawClient(memory.port())) {
            ConnAck ack = client.connect("store-start-in-memory");
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        }
        assertThat(unused).doesNotExist();
    }
}
