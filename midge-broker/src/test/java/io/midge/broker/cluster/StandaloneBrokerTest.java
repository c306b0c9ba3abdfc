package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKeys;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StandaloneBrokerTest {

    @Test
    @DisplayName("A broker without cluster: starts no Hazelcast member, no link listener and no node in $SYS")
    void noClusterNoHazelcast() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder().set(ConfigKeys.PORT, 0)
                .set(ConfigKeys.HTTP_PORT, 0).set(ConfigKeys.IN_MEMORY, true).build())) {
            assertThat(Hazelcast.getAllHazelcastInstances()).isEmpty();
            assertThat(broker.linkPort()).isZero();
            assertThat(broker.router().topicTree()).isNotNull();
        }
    }
}
