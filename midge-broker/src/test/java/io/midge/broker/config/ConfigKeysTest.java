package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.DATA_DIR;
import static io.midge.broker.config.ConfigKeys.LOG_LEVEL;
import static io.midge.broker.config.ConfigKeys.MAXIMUM_QOS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static io.midge.broker.config.ConfigKeys.QUEUE_OVERFLOW;
import static io.midge.broker.config.ConfigKeys.SYNC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.midge.broker.persistence.SyncPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table of keys drives the file reader and the builder's checks, with no code of its own per key. */
class ConfigKeysTest {

    @Test
    void everyKeyHasOneLowerCaseNameAndADescription() {
        List<String> names = new ArrayList<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            // A key of a nested section (http:) is named section.key, as its errors and the README name it.
            assertThat(key.name()).matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)?");
            assertThat(key.description()).isNotBlank().doesNotContain("|", "\n");
            assertThat(ConfigKeys.named(key.name())).isSameAs(key);
            names.add(key.name());
        }
        assertThat(names).doesNotHaveDuplicates().hasSize(50);
        assertThat(ConfigKeys.named("prot")).isNull();
    }

    @Test
    void keysComeAreaByArea() {
        List<ConfigArea> areas = ConfigKeys.all().stream().map(ConfigKey::area).toList();
        assertThat(areas).isSorted().containsAll(List.of(ConfigArea.values()));
    }

    @Test
    void theDefaultsAreTheTables() {
        BrokerConfig defaults = BrokerConfig.defaults();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertThat((Object) defaults.get(key)).as(key.name()).isEqualTo(key.defaultValue());
        }
    }

    @Test
    void everyDefaultWrittenInTheFileReadsBackAsTheDefault() {
        // One line per key, each value as the README shows it: the reader knows every key of the table.
        StringBuilder yaml = new StringBuilder();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (key.defaultValue() != null && key != ConfigKeys.LISTENERS) {
                yaml.append(key.name()).append(": '").append(shown(key)).append("'\n");
            }
        }
        // Quoted above to keep YAML from reading text as something else; a list must be a list.
        String text = yaml.toString().replace("'[]'", "[]");
        assertThat(ConfigLoader.parse("midge.yaml", text)).isEqualTo(BrokerConfig.defaults());
    }

    private static <T> String shown(ConfigKey<T> key) {
        return key.type().show(key.defaultValue());
    }

    @Test
    void theBuilderChecksValuesAsTheFileDoes() {
        assertThatThrownBy(() -> BrokerConfig.builder().set(MAXIMUM_QOS, 3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'maximum-qos' must be between 0 and 2, not 3");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "maximum-qos: 3"))
                .hasMessage("midge.yaml:1: 'maximum-qos' must be between 0 and 2, not 3");
        assertThatThrownBy(() -> BrokerConfig.builder().set(LOG_LEVEL, "verbose").build())
                .hasMessage("'log-level' must be one of error, warn, info, debug, trace, not 'verbose'");
    }

    @Test
    void onlyASettingThatIsOffByDefaultMayBeUnset() {
        assertThat(BrokerConfig.builder().set(PASSWORD_FILE, null).build().security().passwordFile()).isNull();
        assertThatThrownBy(() -> BrokerConfig.builder().set(DATA_DIR, null).build())
                .hasMessage("'data-dir' is required");
        assertThatThrownBy(() -> BrokerConfig.builder().set(SYNC, null).build())
                .hasMessage("'sync' is required");
    }

    @Test
    void aConfigurationChangedThroughItsBuilderKeepsTheRest() {
        BrokerConfig config = ConfigLoader.parse("midge.yaml", "queue-overflow: drop-oldest\nsync: interval\n");
        BrokerConfig changed = config.toBuilder().set(MAXIMUM_QOS, 1).build();
        assertThat(changed.protocol().maximumQos()).isEqualTo(1);
        assertThat(changed.limits().queueOverflow()).isEqualTo(BrokerConfig.QueueOverflow.DROP_OLDEST);
        assertThat(changed.store().sync()).isEqualTo(SyncPolicy.INTERVAL);
        assertThat(changed).isNotEqualTo(config);
        assertThat(config.toBuilder().build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(changed.get(QUEUE_OVERFLOW)).isEqualTo(BrokerConfig.QueueOverflow.DROP_OLDEST);
    }
}
