package io.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code config/midge.yaml} is {@link ExampleConfigFile#text()}, word for word; after a change to
 * {@link ConfigKeys}, rewrite it (and the README's table) with {@code -Dmidge.readme.write=true}, as
 * {@link ReadmeConfigTableTest} says.
 */
class ExampleConfigFileTest {
    /** Maven runs the tests in the module's directory; the example is the repository's. */
    private static final Path EXAMPLE = Path.of("..", "config", "midge.yaml");
    /** A commented key line: indentation, key, and its value (none for a key without a default). */
    private static final Pattern KEY_LINE = Pattern.compile("^#((?:  )?)([a-z0-9-]+):( [^#]*)?( *#.*)?$");

    @Test
    void theRepositorysExampleIsTheGeneratedOne() throws IOException {
        String generated = ExampleConfigFile.text();
        if (Boolean.getBoolean("midge.readme.write")) {
            Files.writeString(EXAMPLE, generated);
            return;
        }
        assertThat(Files.readString(EXAMPLE))
                .as("config/midge.yaml differs from ConfigKeys; rewrite it with -Dmidge.readme.write=true")
                .isEqualTo(generated);
    }

    @Test
    void asItIsTheExampleStartsWithTheDefaults() {
        BrokerConfig read = ConfigLoader.parse("midge.yaml", ExampleConfigFile.text());

        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertThat(read.get(key)).as(key.name()).isEqualTo(key.defaultValue());
        }
    }

    @Test
    void everyKeyIsInTheExampleAndUncommentedReadsBackItsDefault() {
        // Uncomment every key that has a default (and the sections holding them): the broker must read back
        // exactly the defaults, which proves that each line is valid YAML written where the reader expects it.
        String uncommented = ExampleConfigFile.text().lines().map(line -> {
            Matcher m = KEY_LINE.matcher(line);
            if (!m.matches()) {
                return line;
            }
            boolean hasValue = m.group(3) != null && !m.group(3).isBlank();
            boolean isSection = m.group(1).isEmpty() && !hasValue && m.group(4) == null;
            return hasValue || isSection ? line.substring(1) : line;
        }).collect(Collectors.joining("\n"));
        BrokerConfig read = ConfigLoader.parse("midge.yaml", uncommented);

        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertThat(uncommented).as(key.name()).contains(key.name().substring(key.name().indexOf('.') + 1) + ":");
            if (key.defaultValue() != null) {
                assertThat(shown(key, read.get(key))).as(key.name()).isEqualTo(shown(key, key.defaultValue()));
            }
        }
    }

    @Test
    void theListenersExampleReadsAsThreeListeners() {
        String text = ExampleConfigFile.text();
        int start = text.indexOf("#listeners:");
        String block = text.substring(text.indexOf('\n', start) + 1).lines()
                .takeWhile(line -> line.startsWith("#  ")).map(line -> line.substring(1))
                .collect(Collectors.joining("\n"));

        BrokerConfig read = ConfigLoader.parse("midge.yaml", "listeners:\n" + block + "\n");

        assertThat(read.listeners().configured()).extracting(ListenerConfig::name)
                .containsExactly("plain", "secure", "browsers");
    }

    @Test
    void descriptionsAreWrappedAtSpacesWithinTheWidth() {
        assertThat(ExampleConfigFile.wrap("one two three four", 9)).containsExactly("one two", "three", "four");
        assertThat(ExampleConfigFile.text().lines()).allSatisfy(line -> assertThat(line.length())
                .as(line).isLessThanOrEqualTo(100));
    }

    @SuppressWarnings("unchecked")
    private static <T> String shown(ConfigKey<T> key, Object value) {
        return key.type().show((T) value);
    }
}
