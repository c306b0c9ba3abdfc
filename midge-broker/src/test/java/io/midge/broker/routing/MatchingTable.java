package io.midge.broker.routing;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Topic filter against topic name, and whether they match (MQTT 5.0 section 4.7): one table for the subscription
 * index, the retained store and {@link TopicFilters} (the ACL's matcher), which must agree.
 */
final class MatchingTable {
    private MatchingTable() {
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                // plain levels
                row("a", "a", true),
                row("a/b/c", "a/b/c", true),
                row("a/b", "a/b/c", false),
                row("a/b/c", "a/b", false),
                row("a/b", "a/bc", false),
                row("a/b", "A/b", false),
                row("a/b", "a", false),
                // '+' matches exactly one level
                row("sport/tennis/+", "sport/tennis/player1", true),
                row("sport/tennis/+", "sport/tennis/player2", true),
                row("sport/tennis/+", "sport/tennis/player1/ranking", false),
                row("sport/+", "sport", false),
                row("sport/+", "sport/", true),
                row("+", "a", true),
                row("+", "a/b", false),
                row("+/+", "a/b", true),
                row("+/b/+", "a/b/c", true),
                row("+/b/+", "a/x/c", false),
                row("a/+/+/d", "a/b/c/d", true),
                // '#' matches the parent level and any number of children
                row("sport/tennis/player1/#", "sport/tennis/player1", true),
                row("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
                row("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
                row("sport/tennis/player1/#", "sport/tennis", false),
                row("sport/#", "sport", true),
                row("sport/#", "sport/", true),
                row("sport/#", "sport/tennis/x", true),
                row("sport/#", "sports", false),
                row("sport/#", "sport2/x", false),
                row("#", "a", true),
                row("#", "a/b/c", true),
                row("+/#", "a", true),
                row("+/#", "a/b/c", true),
                row("a/+/#", "a/b", true),
                row("a/+/#", "a", false),
                // empty levels count
                row("/finance", "/finance", true),
                row("+/+", "/finance", true),
                row("/+", "/finance", true),
                row("+", "/finance", false),
                row("#", "/finance", true),
                row("/#", "/finance", true),
                row("a//b", "a//b", true),
                row("a/+/b", "a//b", true),
                row("a/b", "a//b", false),
                row("+/+/+", "//", true),
                row("+/+", "//", false),
                row("#", "/", true),
                row("+/+", "/", true),
                row("+/", "/", true),
                row("/+", "/", true),
                row("+", "/", false),
                row("a/", "a/", true),
                row("a/", "a", false),
                row("a", "a/", false),
                // topics starting with '$' are not matched by a wildcard at the first level
                row("#", "$SYS/broker/uptime", false),
                row("+/broker/uptime", "$SYS/broker/uptime", false),
                row("+", "$SYS", false),
                row("+/#", "$SYS/x", false),
                row("$SYS/#", "$SYS/broker/uptime", true),
                row("$SYS/#", "$SYS", true),
                row("$SYS/+/uptime", "$SYS/broker/uptime", true),
                row("$SYS", "$SYS", true),
                row("$SYS/+", "$SYS", false),
                row("a/#", "a/$b", true),
                row("a/+", "a/$b", true),
                row("#", "x$", true),
                // levels beyond ASCII
                row("Zürich/+", "Zürich/temp", true),
                row("日本/+/温度", "日本/東京/温度", true),
                row("日本/+", "日本人/東京", false));
    }

    private static Arguments row(String filter, String topic, boolean matches) {
        return Arguments.of(filter, topic, matches);
    }
}
