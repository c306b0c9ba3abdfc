package io.midge.broker.limits;

import static io.midge.broker.config.ConfigKeys.MAX_CONNECTIONS;
import static io.midge.broker.config.ConfigKeys.MAX_CONNECTION_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_BANDWIDTH;
import static io.midge.broker.config.ConfigKeys.MAX_PUBLISH_RATE;
import static io.midge.broker.config.ConfigKeys.MAX_SUBSCRIPTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The limit keys: max-connections, max-connection-rate, max-subscriptions, max-publish-rate/-bandwidth. */
class LimitsConfigTest {

    @Test
    void everyLimitIsOffByDefault() {
        BrokerConfig config = BrokerConfig.defaults();
        assertThat(config.limits().maxConnections()).isZero();
        assertThat(config.limits().maxConnectionRate()).isZero();
        assertThat(config.limits().maxSubscriptions()).isZero();
        assertThat(config.limits().maxPublishRate()).isZero();
        assertThat(config.limits().maxPublishBandwidth()).isZero();
    }

    @Test
    void theFileSetsEveryLimit() {
        BrokerConfig config = ConfigLoader.parse("midge.yaml", """
                max-connections: 10_000
                max-connection-rate: 20
                max-subscriptions: 100
                max-publish-rate: 50
                max-publish-bandwidth: 2_000_000_000
                listeners:
                  - port: 1883
                    max-connections: 500
                """);
        assertThat(config.limits().maxConnections()).isEqualTo(10_000);
        assertThat(config.limits().maxConnectionRate()).isEqualTo(20);
        assertThat(config.limits().maxSubscriptions()).isEqualTo(100);
        assertThat(config.limits().maxPublishRate()).isEqualTo(50);
        assertThat(config.limits().maxPublishBandwidth()).isEqualTo(2_000_000_000);
        assertThat(config.listeners().configured().get(0).maxConnections()).isEqualTo(500);
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @ParameterizedTest
    @ValueSource(strings = {"max-connections", "max-connection-rate", "max-subscriptions", "max-publish-rate",
            "max-publish-bandwidth"})
    void aNegativeLimitNamesTheFileTheLineAndTheKey(String key) {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "port: 1883\n" + key + ": -1"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:2: '" + key + "' must be between 0 and 2147483647, not -1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"max-connections", "max-connection-rate", "max-subscriptions", "max-publish-rate",
            "max-publish-bandwidth"})
    void aLimitThatIsNoNumberNamesTheFileTheLineAndTheKey(String key) {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "\n\n" + key + ": lots"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:3: '" + key + "' must be a whole number, not 'lots'");
    }

    @Test
    void aLimitTooLargeForItsTypeIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "max-publish-bandwidth: 3000000000"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:1: 'max-publish-bandwidth' must be between 0 and 2147483647, "
                        + "not 3000000000");
    }

    @Test
    void aListenersNegativeMaxConnectionsNamesTheListenerKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", """
                listeners:
                  - port: 1883
                    max-connections: -3
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:3: 'listeners[0].max-connections' must be between 0 and 2147483647, not -3");
    }

    @Test
    void theBuilderRefusesNegativeLimits() {
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAX_CONNECTIONS, -1).build())
                .hasMessage("'max-connections' must be between 0 and 2147483647, not -1");
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAX_CONNECTION_RATE, -1).build())
                .hasMessage("'max-connection-rate' must be between 0 and 2147483647, not -1");
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAX_SUBSCRIPTIONS, -1).build())
                .hasMessage("'max-subscriptions' must be between 0 and 2147483647, not -1");
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAX_PUBLISH_RATE, -1).build())
                .hasMessage("'max-publish-rate' must be between 0 and 2147483647, not -1");
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAX_PUBLISH_BANDWIDTH, -1).build())
                .hasMessage("'max-publish-bandwidth' must be between 0 and 2147483647, not -1");
    }
}
