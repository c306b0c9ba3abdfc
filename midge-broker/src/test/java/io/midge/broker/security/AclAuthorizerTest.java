package io.midge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AclAuthorizerTest {
    /** The table the parameterized tests read: everyone's rules, two users, patterns, a deny. */
    private static final String ACL = """
            # everyone
            topic read public/#
            topic write public/inbox
            pattern readwrite devices/%c/#
            pattern read users/%u/inbox/#
            topic read sensors/+/temp

            user alice
            topic readwrite home/#
            topic deny home/safe/#
            topic write $SYS/broker/commands

            user bob
            topic read home/+/temp
            pattern write devices/%c-%u/status
            """;

    @TempDir
    Path dir;
    private Path file;
    private AclAuthorizer acl;

    @BeforeEach
    void load() throws IOException {
        file = write(ACL);
        acl = new AclAuthorizer(file);
    }

    private Path write(String text) throws IOException {
        Path path = Files.createTempFile(dir, "acl", "");
        Files.writeString(path, text, StandardCharsets.UTF_8);
        return path;
    }

    /** Username "-" stands for a client without one. */
    private static String user(String name) {
        return name.equals("-") ? null : name;
    }

    @ParameterizedTest(name = "{0}/{1} publish {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            c1     | alice | home/kitchen/light   | true
            c1     | alice | home/safe/code       | false
            c1     | alice | home/safe            | false
            c1     | alice | home                 | true
            c1     | bob   | home/kitchen/temp    | false
            c1     | -     | home/kitchen/light   | false
            c1     | alice | public/news          | false
            c1     | alice | public/inbox         | true
            c1     | -     | public/inbox         | true
            c1     | carol | elsewhere            | false
            c1     | alice | $SYS/broker/commands | true
            c1     | bob   | $SYS/broker/commands | false
            dev7   | -     | devices/dev7/status  | true
            dev7   | -     | devices/dev7         | true
            dev7   | -     | devices/dev8/status  | false
            dev7   | bob   | devices/dev7-bob/status | true
            dev7   | alice | devices/dev7-bob/status | false
            dev7   | bob   | devices/dev8-bob/status | false
            """)
    void publish(String clientId, String username, String topic, boolean allowed) {
        assertThat(acl.canPublish(clientId, user(username), topic)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0}/{1} receive {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            c1     | alice | home/kitchen/light   | true
            c1     | alice | home/safe/code       | false
            c1     | -     | public/news          | true
            c1     | alice | public/inbox         | true
            c1     | bob   | home/kitchen/temp    | true
            c1     | bob   | home/kitchen/light   | false
            c1     | bob   | users/bob/inbox/1    | true
            c1     | bob   | users/alice/inbox/1  | false
            c1     | -     | users/bob/inbox/1    | false
            c1     | alice | $SYS/broker/commands | false
            dev7   | -     | devices/dev7/cmd     | true
            dev7   | -     | devices/dev8/cmd     | false
            dev7   | bob   | devices/dev7-bob/status | false
            c1     | -     | sensors/a/temp       | true
            """)
    void receive(String clientId, String username, String topic, boolean allowed) {
        assertThat(acl.canReceive(clientId, user(username), topic)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0}/{1} subscribe {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            c1     | -     | sensors/+/temp       | true
            c1     | -     | sensors/a/temp       | true
            c1     | -     | sensors/#            | false
            c1     | -     | sensors/+/+          | false
            c1     | -     | public/#             | true
            c1     | -     | public/+/x           | true
            c1     | -     | #                    | false
            c1     | alice | home/kitchen/#       | true
            c1     | alice | home/#               | false
            c1     | alice | home/+/temp          | false
            c1     | alice | home/safe/code       | false
            c1     | bob   | home/+/temp          | true
            c1     | bob   | home/kitchen/temp    | true
            c1     | bob   | home/+/+             | false
            c1     | bob   | users/bob/inbox/#    | true
            c1     | bob   | users/+/inbox/#      | false
            dev7   | -     | devices/dev7/#       | true
            dev7   | -     | devices/+/#          | false
            c1     | -     | $share/g/public/#    | true
            c1     | -     | $share/g/sensors/#   | false
            """)
    void subscribe(String clientId, String username, String filter, boolean allowed) {
        assertThat(acl.canSubscribe(clientId, user(username), filter)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "client id ''{0}'' gets nothing from devices/%c/#")
    @CsvSource({"+", "#", "a/b", "''"})
    void clientIdsWithWildcardsOrSlashesDoNotWidenPatterns(String clientId) {
        assertThat(acl.canSubscribe(clientId, null, "devices/+/#")).isFalse();
        assertThat(acl.canPublish(clientId, null, "devices/a/b/x")).isFalse();
        assertThat(acl.canPublish(clientId, null, "devices/" + clientId + "/x")).isFalse();
    }

    @Test
    void userNameWithAWildcardDoesNotWidenPatterns() {
        assertThat(acl.canSubscribe("c1", "#", "users/#")).isFalse();
        assertThat(acl.canReceive("c1", "+", "users/alice/inbox/1")).isFalse();
    }

    @Test
    void emptyFileDeniesEverything() throws IOException {
        AclAuthorizer empty = new AclAuthorizer(write("# nothing\n"));

        assertThat(empty.canPublish("c", "alice", "a")).isFalse();
        assertThat(empty.canSubscribe("c", "alice", "a")).isFalse();
        assertThat(empty.canReceive("c", "alice", "a")).isFalse();
    }

    @Test
    void accessDefaultsToReadwriteAndTopicsMayContainSpaces() throws IOException {
        AclAuthorizer spaced = new AclAuthorizer(write("topic living room/lamp\ntopic read\n"));

        assertThat(spaced.canPublish("c", null, "living room/lamp")).isTrue();
        assertThat(spaced.canSubscribe("c", null, "living room/lamp")).isTrue();
        assertThat(spaced.canPublish("c", null, "read")).as("a lone word is the filter").isTrue();
    }

    @Test
    void denyInEveryonesRulesOverridesAUsersGrant() throws IOException {
        AclAuthorizer rules = new AclAuthorizer(write("topic deny secret/#\nuser root\ntopic #\n"));

        assertThat(rules.canPublish("c", "root", "secret/x")).isFalse();
        assertThat(rules.canPublish("c", "root", "open/x")).isTrue();
        assertThat(rules.canSubscribe("c", "root", "#")).isFalse();
    }

    @Test
    void adminIsGivenUserByUserAndGrantsNoTopic() throws IOException {
        AclAuthorizer rules = new AclAuthorizer(write("user root\nadmin\nuser alice\ntopic a/#\n"));

        assertThat(rules.isAdmin("root")).isTrue();
        assertThat(rules.isAdmin("alice")).isFalse();
        assertThat(rules.isAdmin(null)).isFalse();
        assertThat(rules.canPublish("c", "root", "a/b")).isFalse();
        assertThat(Authorizer.ALLOW_ALL.isAdmin("anyone")).as("no ACL file: everyone may do everything").isTrue();
    }

    @Test
    void adminOutsideAUsersSectionIsAnError() throws IOException {
        Path outside = write("admin\n");
        assertThatThrownBy(() -> new AclAuthorizer(outside)).isInstanceOf(SecurityFileException.class)
                .hasMessageContaining(":1: 'admin' outside a user's section");
    }

    @Test
    void reloadPicksUpNewRules() throws IOException {
        Files.writeString(file, "user carol\ntopic garden/#\n");

        assertThat(acl.reload()).isTrue();

        assertThat(acl.canPublish("c", "carol", "garden/hose")).isTrue();
        assertThat(acl.canPublish("c", "alice", "home/kitchen/light")).isFalse();
    }

    @Test
    void reloadOfABrokenFileKeepsTheOldRules() throws IOException {
        Files.writeString(file, "user carol\ntopic garden/#\ntopik oops\n");

        assertThat(acl.reload()).isFalse();

        assertThat(acl.canPublish("c", "alice", "home/kitchen/light")).isTrue();
        assertThat(acl.canPublish("c", "carol", "garden/hose")).isFalse();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            '# rules\\ntopik read a'        | 2: unknown keyword 'topik' (expected user, topic, pattern or admin)
            'topic read a/#/b'              | 1: '#' in 'a/#/b' is not the last level
            'topic read a/b+'               | 1: '+' in 'a/b+' does not stand alone on its level
            'topic'                         | 1: 'topic' without a topic filter
            'pattern   '                    | 1: 'pattern' without a topic filter
            'user'                          | 1: 'user' without a user name
            'user a\\ntopic x\\nuser a'     | 3: second section for user 'a' (first on line 1)
            'pattern read devices/%d/#'     | 1: unknown substitution '%d' in pattern 'devices/%d/#' (only %c and %u)
            'pattern read devices/x%'       | 1: unknown substitution '%' in pattern 'devices/x%' (only %c and %u)
            'topic read $share/g/a/#'       | 1: '$share/g/a/#' is a shared subscription; write the topic filter it shares
            """)
    void loadErrorsNameTheFileAndLine(String text, String message) throws IOException {
        Path bad = write(text.replace("\\n", "\n"));

        assertThatThrownBy(() -> new AclAuthorizer(bad))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(bad + ":" + message);
    }

    @Test
    void missingFileIsNamed() {
        Path absent = dir.resolve("absent.acl");

        assertThatThrownBy(() -> new AclAuthorizer(absent))
                .isInstanceOf(SecurityFileException.class)
                .hasMessageStartingWith(absent + ": cannot read the ACL file");
    }

    @Test
    void allowAllAllowsEverything() {
        assertThat(Authorizer.ALLOW_ALL.canPublish("c", null, "a")).isTrue();
        assertThat(Authorizer.ALLOW_ALL.canSubscribe("c", null, "#")).isTrue();
        assertThat(Authorizer.ALLOW_ALL.canReceive("c", null, "a")).isTrue();
    }
}
