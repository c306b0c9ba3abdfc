package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.LISTENERS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.midge.codec.packet.ConnAck;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who gets in: every combination of credentials, password file (present or not), listener (anonymous clients allowed
 * or not) and protocol version, each a test of the CONNACK the broker answers. The rule: the listener decides about
 * clients without a user name (refused: 0x87); a client with a user name must match the password file (0x86
 * otherwise); where no password file checks names and anonymous clients are refused, a claimed name proves nothing
 * (0x87). 3.1.1 answers the same with return codes 4 (0x86) and 5 (0x87).
 */
class AuthenticationTableTest {
    @TempDir
    static Path dir;
    private static Path passwords;

    @BeforeAll
    static void writeFiles() throws IOException {
        passwords = SecuredBroker.writePasswords(dir);
    }

    private static final ReasonCode OK = ReasonCode.SUCCESS;
    private static final ReasonCode BAD = ReasonCode.BAD_USER_NAME_OR_PASSWORD;
    private static final ReasonCode DENIED = ReasonCode.NOT_AUTHORIZED;

    /** user, password, then the answer: with a password file (anonymous allowed, refused), without (same). */
    private static final Object[][] TABLE = {
            {"alice", "alice-pw", OK, OK, OK, DENIED},
            {"alice", "bob-pw", BAD, BAD, OK, DENIED},
            {"alice", null, BAD, BAD, OK, DENIED},
            {"mallory", "alice-pw", BAD, BAD, OK, DENIED},
            {"mallory", null, BAD, BAD, OK, DENIED},
            {null, null, OK, DENIED, OK, DENIED},
    };

    static List<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (MqttVersion version : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5)) {
            for (Object[] row : TABLE) {
                cells.add(Arguments.of(version, row[0], row[1], true, true, row[2]));
                cells.add(Arguments.of(version, row[0], row[1], true, false, row[3]));
                cells.add(Arguments.of(version, row[0], row[1], false, true, row[4]));
                cells.add(Arguments.of(version, row[0], row[1], false, false, row[5]));
            }
        }
        return cells;
    }

    @ParameterizedTest(name = "{0} user={1} password={2} password-file={3} anonymous={4} -> {5}")
    @MethodSource("cells")
    void connackFollowsTheTable(MqttVersion version, String user, String password, boolean passwordFile,
                                boolean anonymous, ReasonCode expected) throws Exception {
        try (SecuredBroker broker = SecuredBroker.start(b -> b.set(LISTENERS, SecuredBroker.listener(anonymous))
                .set(PASSWORD_FILE, passwordFile ? passwords : null));
             RawClient client = new RawClient(broker.port())) {
            ConnAck connAck = SecuredBroker.connAck(client, version, "table-client", user, password, null);
            assertThat(connAck.reasonCode()).isEqualTo(expected);
            if (expected != OK) {
                assertThat(broker.broker.metrics().authenticationsRefused.sum()).isEqualTo(1);
                client.awaitClose();
            }
        }
    }
}
