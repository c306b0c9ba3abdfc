package io.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every top-level key of the configuration file with a wrong value, and the exact message that stops the start:
 * the file, the line, the key and what would be right. (The listeners, security and limits sections have tests of
 * their own beside their features.)
 */
class ConfigErrorsTest {

    @ParameterizedTest(name = "{0}")
    @DisplayName("A wrong value names the file, the line, the key and the values allowed")
    @CsvSource(delimiter = '|', textBlock = """
            port                  | 70000      | 'port' must be between 0 and 65535, not 70000
            port                  | eighteen   | 'port' must be a whole number, not 'eighteen'
            max-packet-size       | 10         | 'max-packet-size' must be between 64 and 268435460, not 10
            receive-maximum       | 0          | 'receive-maximum' must be between 1 and 65535, not 0
            max-inflight          | 65536      | 'max-inflight' must be between 1 and 65535, not 65536
            topic-alias-maximum   | -1         | 'topic-alias-maximum' must be between 0 and 65535, not -1
            max-keep-alive        | 99999      | 'max-keep-alive' must be between 0 and 65535, not 99999
            max-queued-messages   | -5         | 'max-queued-messages' must be between 0 and 2147483647, not -5
            max-queued-bytes      | lots       | 'max-queued-bytes' must be a whole number, not 'lots'
            queue-overflow        | drop-all   | 'queue-overflow' must be drop-new or drop-oldest, not 'drop-all'
            queue-qos0            | yes        | 'queue-qos0' must be true or false, not 'yes'
            max-session-expiry    | 4294967296 | 'max-session-expiry' must be between 0 and 4294967295, not 4294967296
            maximum-qos           | 3          | 'maximum-qos' must be between 0 and 2, not 3
            retain-available      | maybe      | 'retain-available' must be true or false, not 'maybe'
            deny-subscribe        | '#'        | 'deny-subscribe' must be a list
            connect-timeout       | 0          | 'connect-timeout' must be between 1 and 3600, not 0
            io-threads            | 2000       | 'io-threads' must be between 0 and 1024, not 2000
            in-memory             | 1          | 'in-memory' must be true or false, not '1'
            sync                  | sometimes  | 'sync' must be always, interval or none, not 'sometimes'
            sync-interval-ms      | 0          | 'sync-interval-ms' must be between 1 and 3600000, not 0
            password-file         | ''         | 'password-file' must name a file
            acl-file              | ''         | 'acl-file' must name a file
            max-connections       | -1         | 'max-connections' must be between 0 and 2147483647, not -1
            max-connection-rate   | fast       | 'max-connection-rate' must be a whole number, not 'fast'
            max-subscriptions     | -2         | 'max-subscriptions' must be between 0 and 2147483647, not -2
            max-publish-rate      | 1.5        | 'max-publish-rate' must be a whole number, not '1.5'
            max-publish-bandwidth | -1         | 'max-publish-bandwidth' must be between 0 and 2147483647, not -1
            log-level             | verbose    | 'log-level' must be one of error, warn, info, debug, trace, not 'verbose'
            """)
    void wrongValue(String key, String value, String message) {
        // A key on the third line, after two good ones, so that the line number is the key's own.
        String yaml = "host: 127.0.0.1\nresponse-information: replies/\n" + key + ": " + value + "\n";
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage("midge.yaml:3: " + message);
    }

    @Test
    void textWhereAMappingIsNotExpected() {
        assertError("host:\n  name: broker\n", "midge.yaml:2: expected a text value for 'host', found a mapping");
        assertError("response-information: [a, b]\n",
                "midge.yaml:1: expected a text value for 'response-information', found a list");
        assertError("deny-subscribe: [a, {b: c}]\n",
                "midge.yaml:1: expected a text item in 'deny-subscribe', found a mapping");
    }

    @Test
    void unknownAndRepeatedKeys() {
        assertError("port: 1883\nprot: 1884\n", "midge.yaml:2: unknown key 'prot' (the README lists every key)");
        assertError("port: 1883\nport: 1884\n", "midge.yaml:2: key 'port' is given twice");
    }

    @Test
    void notAMappingOrNotYaml() {
        assertError("- port\n- 1883\n", "midge.yaml:1: the configuration must be a mapping of keys to values");
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", "port: [1883\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("midge.yaml: not valid YAML: ");
    }

    @Test
    void anUnreadableFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nowhere.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(missing + ": cannot read the configuration file: ");
    }

    @Test
    void everyKeyTakesItsValue(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("midge.yaml"), """
                host: 0.0.0.0
                port: 1884
                max-packet-size: 65536
                receive-maximum: 100
                max-inflight: 50
                topic-alias-maximum: 10
                max-keep-alive: 120
                max-queued-messages: 500
                max-queued-bytes: 1_000_000
                queue-overflow: drop-oldest
                queue-qos0: true
                max-session-expiry: 86400
                maximum-qos: 1
                retain-available: false
                deny-subscribe: ['#', '$SYS/#']
                connect-timeout: 5
                response-information: replies/
                io-threads: 3
                data-dir: /var/lib/midge
                in-memory: true
                sync: none
                sync-interval-ms: 50
                password-file: passwd
                acl-file: /etc/midge/acl
                log-level: debug
                """);
        BrokerConfig c = ConfigLoader.load(file);
        assertThat(c.listeners().host()).isEqualTo("0.0.0.0");
        assertThat(c.listeners().port()).isEqualTo(1884);
        assertThat(c.protocol().maxPacketSize()).isEqualTo(65536);
        assertThat(c.protocol().receiveMaximum()).isEqualTo(100);
        assertThat(c.limits().maxInflight()).isEqualTo(50);
        assertThat(c.protocol().topicAliasMaximum()).isEqualTo(10);
        assertThat(c.protocol().maxKeepAlive()).isEqualTo(120);
        assertThat(c.limits().maxQueuedMessages()).isEqualTo(500);
        assertThat(c.limits().maxQueuedBytes()).isEqualTo(1_000_000);
        assertThat(c.limits().queueOverflow()).isEqualTo(BrokerConfig.QueueOverflow.DROP_OLDEST);
        assertThat(c.limits().queueQos0()).isTrue();
        assertThat(c.protocol().maxSessionExpiry()).isEqualTo(86400);
        assertThat(c.protocol().maximumQos()).isEqualTo(1);
        assertThat(c.protocol().retainAvailable()).isFalse();
        assertThat(c.security().denySubscribe()).containsExactly("#", "$SYS/#");
        assertThat(c.protocol().connectTimeoutSeconds()).isEqualTo(5);
        assertThat(c.protocol().responseInformation()).isEqualTo("replies/");
        assertThat(c.listeners().ioThreads()).isEqualTo(3);
        assertThat(c.store().dataDir()).isEqualTo(Path.of("/var/lib/midge"));
        assertThat(c.store().inMemory()).isTrue();
        assertThat(c.security().passwordFile()).isEqualTo(dir.resolve("passwd"));
        assertThat(c.security().aclFile()).isEqualTo(Path.of("/etc/midge/acl"));
        assertThat(c.logLevel()).isEqualTo("debug");
    }

    private static void assertError(String yaml, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse("midge.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
