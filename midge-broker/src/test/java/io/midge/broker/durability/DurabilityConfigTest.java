package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import io.midge.broker.persistence.SyncPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The configuration keys of the store: data-dir, in-memory, sync and sync-interval-ms. */
class DurabilityConfigTest {

    @Test
    void defaultsAreDurableInDataWithEveryWriteSynced() {
        BrokerConfig config = BrokerConfig.defaults();
        assertThat(config.store().dataDir()).isEqualTo(Path.of("data"));
        assertThat(config.store().inMemory()).isFalse();
        assertThat(config.store().sync()).isEqualTo(SyncPolicy.ALWAYS);
    }

    @Test
    void theFileSetsEveryStoreKey() {
        BrokerConfig config = ConfigLoader.parse("midge.yaml", """
                data-dir: /var/lib/midge
                in-memory: true
                sync: interval
                sync-interval-ms: 250
                """);
        assertThat(config.store().dataDir()).isEqualTo(Path.of("/var/lib/midge"));
        assertThat(config.store().inMemory()).isTrue();
        assertThat(config.store().sync()).isEqualTo(SyncPolicy.INTERVAL);
        assertThat(config.store().syncIntervalMillis()).isEqualTo(250);
        assertThat(ConfigLoader.parse("midge.yaml", "sync: none").store().sync()).isEqualTo(SyncPolicy.NONE);
    }

    @Test
    void anUnknownSyncPolicyNamesTheLineAndTheChoices() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "port: 1883\nsync: sometimes"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:2: 'sync' must be always, interval or none, not 'sometimes'");
    }
}
