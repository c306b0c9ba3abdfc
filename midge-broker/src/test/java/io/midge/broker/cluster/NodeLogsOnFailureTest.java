package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalTime;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NodeLogsOnFailureTest {
    private static final String LOG = String.join("\n",
            "10:00:00.000 INFO  [main] Broker - Midge started as node 'node1'",
            "10:00:01.000 WARN  [midge-sessions] HandoverAsking - Session of 'a': node 'node2' did not hand it over",
            "10:00:02.000 INFO  [midge-cluster] Cluster - Node 'node3' left the cluster: it shut down",
            "java.lang.IllegalStateException: WARN in a stack trace",
            "\tat io.midge.Something.run(Something.java:1)",
            "10:00:03.000 INFO  [loop] Router - Retained messages in step with the cluster",
            "10:00:04.000 WARN  [loop] Session of 'b' is moving between nodes; this line is long enough to be cut here");

    @Test
    @DisplayName("A failed cluster test shows the nodes' warnings, session and membership lines since it began, the "
            + "last ones, each cut to a width")
    void picksTheNotableLinesSinceTheTestBegan() {
        assertThat(NodeLogsOnFailure.since(LOG, LocalTime.parse("10:00:01"), 10, 200)).containsExactly(
                "10:00:01.000 WARN  [midge-sessions] HandoverAsking - Session of 'a': node 'node2' did not hand it over",
                "10:00:02.000 INFO  [midge-cluster] Cluster - Node 'node3' left the cluster: it shut down",
                "10:00:04.000 WARN  [loop] Session of 'b' is moving between nodes; this line is long enough to be cut"
                        + " here");
        assertThat(NodeLogsOnFailure.since(LOG, LocalTime.parse("10:00:01.500"), 1, 40)).containsExactly(
                "10:00:04.000 WARN  [loop] Session of 'b'...");
    }

    @Test
    @DisplayName("An early warning is shown ahead of the last lines, which alone would leave it out")
    void keepsEarlierWarningsAheadOfTheLastLines() {
        assertThat(NodeLogsOnFailure.since(LOG, LocalTime.parse("10:00:00"), 1, 60)).containsExactly(
                "10:00:01.000 WARN  [midge-sessions] HandoverAsking - Session...",
                "10:00:04.000 WARN  [loop] Session of 'b' is moving between n...");
        assertThat(NodeLogsOnFailure.since(LOG, LocalTime.parse("10:00:00"), 2, 60)).containsExactly(
                "10:00:01.000 WARN  [midge-sessions] HandoverAsking - Session...",
                "10:00:02.000 INFO  [midge-cluster] Cluster - Node 'node3' le...",
                "10:00:04.000 WARN  [loop] Session of 'b' is moving between n...");
    }
}
