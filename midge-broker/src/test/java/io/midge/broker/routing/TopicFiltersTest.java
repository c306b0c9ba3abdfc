package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The single filter and topic matcher, on the table the topic tree and the retained store are held to. */
class TopicFiltersTest {

    @ParameterizedTest(name = "{0} against {1}: {2}")
    @MethodSource("io.midge.broker.routing.MatchingTable#rows")
    void matchesTopicsAsTheSpecificationSays(String filter, String topic, boolean matches) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            a/b          | a/b          | true
            a/b          | a/c          | false
            a/+          | a/b          | true
            a/+          | a/b/c        | false
            a/+          | a            | false
            a/#          | a            | true
            a/#          | a/b/c        | true
            #            | a/b          | true
            +/+          | a/b          | true
            +            | /            | false
            +/+          | /            | true
            #            | $SYS/uptime  | false
            +/uptime     | $SYS/uptime  | false
            $SYS/#       | $SYS/uptime  | true
            sensors/+/temp | sensors/a/temp | true
            sensors/+/temp | sensors/a/hum  | false
            """)
    void matches(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "rule {0} covers subscription {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            sensors/+/temp | sensors/+/temp | true
            sensors/+/temp | sensors/a/temp | true
            sensors/+/temp | sensors/#      | false
            sensors/+/temp | sensors/+/+    | false
            sensors/+/temp | +/a/temp       | false
            sensors/#      | sensors/#      | true
            sensors/#      | sensors        | true
            sensors/#      | sensors/+/temp | true
            sensors/+/#    | sensors/#      | false
            sensors/+/#    | sensors/a/#    | true
            sensors/+      | sensors/+/+    | false
            sensors/a      | sensors        | false
            #              | #              | true
            #              | a/+/#          | true
            #              | $SYS/#         | false
            +/#            | $SYS/x         | false
            $SYS/#         | $SYS/+         | true
            $SYS/#         | +/x            | false
            a/b            | a/b            | true
            a/b            | a/b/c          | false
            +/+            | /              | true
            a/+            | a/             | true
            a/#            | a              | true
            a/#            | a//            | true
            +              | /              | false
            """)
    void covers(String rule, String subscription, boolean expected) {
        assertThat(TopicFilters.covers(rule, subscription)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} and {1} share a topic: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            home/secret/#  | home/#         | true
            home/secret/#  | home/+/temp    | true
            home/secret/#  | home/kitchen/# | false
            home/secret/#  | home/secret    | true
            a/+            | +/b            | true
            a/+            | a              | false
            a/b            | a/b/c          | false
            $SYS/#         | #              | false
            $SYS/#         | +/x            | false
            $SYS/#         | $SYS/x         | true
            #              | x              | true
            +              | /              | false
            +/+            | /              | true
            a//#           | a/+/b          | true
            $SYS/+         | +/+            | false
            """)
    void overlap(String a, String b, boolean expected) {
        assertThat(TopicFilters.overlap(a, b)).isEqualTo(expected);
        assertThat(TopicFilters.overlap(b, a)).isEqualTo(expected);
    }
}
