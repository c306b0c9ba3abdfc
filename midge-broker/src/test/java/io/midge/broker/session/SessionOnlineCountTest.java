package io.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.config.BrokerConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The count of sessions online, kept as each session's connection comes and goes rather than walked for. */
class SessionOnlineCountTest {

    @Test
    @DisplayName("Attach counts a session online once; detach, a takeover's kick and the end count it off once each")
    void followsAttachDetachKickAndEnd() {
        try (TestSessions sessions = new TestSessions()) {
            BrokerConfig config = BrokerConfig.defaults();
            Session a = sessions.session(config);
            Session b = sessions.session(config);
            FakeConnection first = new FakeConnection();
            a.attach(first);
            b.attach(new FakeConnection());
            assertThat(sessions.metrics.sessionsOnline.sum()).isEqualTo(2);

            assertThat(a.detach(new FakeConnection())).isFalse(); // not the attached one: nothing changes
            assertThat(sessions.metrics.sessionsOnline.sum()).isEqualTo(2);
            assertThat(a.detach(first)).isTrue();
            assertThat(a.detach(first)).isFalse();
            assertThat(sessions.metrics.sessionsOnline.sum()).isEqualTo(1);

            b.kickConnection(); // a new connection takes the session over: the old one is off, the new one on
            assertThat(sessions.metrics.sessionsOnline.sum()).isZero();
            b.attach(new FakeConnection());
            assertThat(sessions.metrics.sessionsOnline.sum()).isEqualTo(1);

            b.end();
            a.end(); // already offline: not counted off twice
            assertThat(sessions.metrics.sessionsOnline.sum()).isZero();
            sessions.run();
        }
    }
}
