package io.midge.benchmarks;

import io.midge.client.ConnectResult;
import io.midge.client.MidgeClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Clients with a persistent session (MQTT 5.0, Session Expiry Interval > 0) that disconnect, stay away and come back
 * as a new client object with Clean Start 0, in a staggered cycle. One publisher sends numbered QoS 1 messages to
 * their common topic all the time; each session must get every one of them, those published while it was away
 * included, and must find its session present when it comes back.
 */
final class PersistentSessions {
    private static final String TOPIC = "soak/persist/all";

    private final SoakClients clients;
    private final List<Member> members = new ArrayList<>();
    private SoakStream stream;
    private volatile boolean stopped;

    PersistentSessions(SoakClients clients) {
        this.clients = clients;
    }

    /** Connects the publisher and every session (subscribed), then starts the cycles and the publishing. */
    void start(ScheduledExecutorService ticks, ScheduledExecutorService tasks) throws Exception {
        SoakOptions o = clients.options();
        if (o.sessions() == 0) {
            return;
        }
        SoakCounters c = clients.counters();
        MidgeClient pub = clients.steady(clients.builder("soak-persist-pub").build());
        stream = new SoakStream(TOPIC, 1, o.payloadBytes(), pub, c);
        for (int i = 0; i < o.sessions(); i++) {
            Member m = new Member("soak-persist-" + i, new SequenceCheck(stream, c.lost, c.qos1Duplicated, c.received));
            m.online(true);
            SoakClients.await(m.client.subscribe(TOPIC, 1));
            members.add(m);
        }
        long period = SoakOptions.periodMicros(o.sessionRate());
        if (period > 0) {
            ticks.scheduleAtFixedRate(stream::tick, 0, period, TimeUnit.MICROSECONDS);
        }
        long cycle = (o.onlineSeconds() + o.offlineSeconds()) * 1000;
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            // Staggered, so that some are away while others are connected at any time.
            long first = o.onlineSeconds() * 1000 + cycle * i / members.size();
            tasks.schedule(() -> m.goOffline(tasks), first, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops the publisher and the cycles; brings every session back so that it can receive what it missed. */
    void stop() {
        stopped = true;
        if (stream != null) {
            stream.stop();
        }
        for (Member m : members) {
            synchronized (m) {
                if (m.client == null) {
                    m.onlineQuietly();
                }
            }
        }
    }

    List<SequenceCheck> checks() {
        return members.stream().map(m -> m.check).toList();
    }

    List<SoakStream> streams() {
        return stream == null ? List.of() : List.of(stream);
    }

    /** Disconnects every session for good (the sessions stay in the broker until they expire). */
    void close() {
        for (Member m : members) {
            synchronized (m) {
                clients.closeQuietly(m.client);
                m.client = null;
            }
        }
    }

    private final class Member {
        private final String clientId;
        private final SequenceCheck check;
        private MidgeClient client;

        Member(String clientId, SequenceCheck check) {
            this.clientId = clientId;
            this.check = check;
        }

        synchronized void online(boolean first) throws Exception {
            SoakOptions o = clients.options();
            MidgeClient c = clients.builder(clientId).cleanStart(first).sessionExpiryInterval(o.sessionExpiry())
                    .onMessage(m -> check.received(SoakStream.sequenceOf(m.payload()))).build();
            try {
                ConnectResult result = clients.connect(c);
                if (!first) {
                    clients.counters().resumed.increment();
                    if (!result.sessionPresent()) {
                        clients.counters().sessionsLost.increment();
                        System.err.println("SOAK-LOAD violation: " + clientId + " came back to no session");
                    }
                }
                client = c;
            } catch (Exception e) {
                clients.closeQuietly(c);
                throw e;
            }
        }

        synchronized void onlineQuietly() {
            try {
                online(false);
            } catch (Exception e) {
                clients.counters().error("persistent session " + clientId + " back", e);
            }
        }

        void goOffline(ScheduledExecutorService tasks) {
            synchronized (this) {
                if (stopped) {
                    return;
                }
                // Normal DISCONNECT: the session stays, for its Session Expiry Interval.
                clients.closeQuietly(client);
                client = null;
            }
            tasks.schedule(() -> goOnline(tasks), clients.options().offlineSeconds(), TimeUnit.SECONDS);
        }

        void goOnline(ScheduledExecutorService tasks) {
            synchronized (this) {
                if (stopped) {
                    return;
                }
                if (client == null) {
                    onlineQuietly();
                }
            }
            tasks.schedule(() -> goOffline(tasks), clients.options().onlineSeconds(), TimeUnit.SECONDS);
        }
    }
}
