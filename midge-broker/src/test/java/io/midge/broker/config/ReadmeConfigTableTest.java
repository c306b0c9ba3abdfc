package io.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README.md's table of configuration keys is {@link ConfigKeys#markdownTable()}, word for word, so that the README
 * cannot drift from the keys the broker reads. After a change to {@link ConfigKeys}, rewrite the README's table
 * with {@code mvn -pl midge-broker -am verify -Dtest=ReadmeConfigTableTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dmidge.readme.write=true}.
 */
class ReadmeConfigTableTest {
    /** Maven runs the tests in the module's directory; the README is the repository's. */
    private static final Path README = Path.of("..", "README.md");
    private static final String SECTION = "\n### Configuration\n";
    private static final String HEADER = "| key | default | meaning |\n";

    @Test
    void theReadmesTableIsTheTableOfKeys() throws IOException {
        String readme = Files.readString(README);
        int start = tableStart(readme);
        int end = tableEnd(readme, start);
        String generated = ConfigKeys.markdownTable();
        if (Boolean.getBoolean("midge.readme.write")) {
            Files.writeString(README, readme.substring(0, start) + generated + readme.substring(end));
            return;
        }
        assertThat(readme.substring(start, end))
                .as("README.md's table of keys differs from ConfigKeys; rewrite it with -Dmidge.readme.write=true")
                .isEqualTo(generated);
    }

    @Test
    void theTableHasARowPerKeyWithItsDefault() {
        String table = ConfigKeys.markdownTable();
        assertThat(table).startsWith(HEADER + "|---|---|---|\n")
                .contains("| `maximum-qos` | `2` | highest QoS granted to subscriptions and accepted from publishers |\n")
                .contains("| `password-file` | none | ")
                .contains("| `data-dir` | `./data` | ")
                .contains("| `deny-subscribe` | `[]` | ")
                .contains("| `queue-overflow` | `drop-new` | ");
        assertThat(table.lines().count()).isEqualTo(2 + ConfigKeys.all().size());
    }

    private static int tableStart(String readme) {
        int section = readme.indexOf(SECTION);
        assertThat(section).as("README.md has a section '### Configuration'").isNotNegative();
        int start = readme.indexOf(HEADER, section);
        assertThat(start).as("the Configuration section has a table '" + HEADER.strip() + "'").isNotNegative();
        return start;
    }

    /** Where the table's last row ends: at the first line that is not a row. */
    private static int tableEnd(String readme, int start) {
        int end = start;
        while (end < readme.length() && readme.charAt(end) == '|') {
            int next = readme.indexOf('\n', end);
            end = next < 0 ? readme.length() : next + 1;
        }
        return end;
    }
}
