package io.midge.benchmarks;

import io.midge.client.IncomingMessage;
import io.midge.client.MidgeClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publishers and subscribers that stay connected for the whole run, at QoS 0, 1 and 2: each publisher numbers its
 * messages on a topic of its own ({@code soak/steady/q<qos>/p<i>}), each subscriber of that QoS takes all of them
 * ({@code soak/steady/q<qos>/+}) and checks every publisher's sequence: for QoS 1 and 2 nothing may be lost, for
 * QoS 2 nothing may come twice.
 */
final class SteadyTraffic {
    private final SoakClients clients;
    private final List<SoakStream> streams = new ArrayList<>();
    private final List<SequenceCheck> checks = new ArrayList<>();

    SteadyTraffic(SoakClients clients) {
        this.clients = clients;
    }

    /** Connects every publisher and subscriber, then starts publishing on {@code ticks}. */
    void start(ScheduledExecutorService ticks) throws Exception {
        SoakOptions o = clients.options();
        SoakCounters c = clients.counters();
        for (int qos = 0; qos <= 2; qos++) {
            List<SoakStream> ofQos = new ArrayList<>();
            for (int p = 0; p < o.publishers(); p++) {
                MidgeClient pub = clients.steady(clients.builder("soak-pub-q" + qos + "-" + p).build());
                ofQos.add(new SoakStream("soak/steady/q" + qos + "/p" + p, qos, o.payloadBytes(), pub, c));
            }
            LongAdder lost = qos == 0 ? c.qos0Lost : c.lost;
            LongAdder duplicated = qos == 2 ? c.duplicated : c.qos1Duplicated;
            for (int s = 0; s < o.subscribers(); s++) {
                Map<String, SequenceCheck> byTopic = new HashMap<>();
                for (SoakStream stream : ofQos) {
                    SequenceCheck check = new SequenceCheck(stream, lost, duplicated, c.received);
                    byTopic.put(stream.topic(), check);
                    checks.add(check);
                }
                MidgeClient sub = clients.builder("soak-sub-q" + qos + "-" + s)
                        .onMessage(m -> deliver(byTopic, m)).build();
                clients.steady(sub);
                SoakClients.await(sub.subscribe("soak/steady/q" + qos + "/+", qos));
            }
            streams.addAll(ofQos);
        }
        long period = SoakOptions.periodMicros(o.rate());
        if (period > 0) {
            for (SoakStream stream : streams) {
                ticks.scheduleAtFixedRate(stream::tick, ThreadLocalRandom.current().nextLong(period), period,
                        TimeUnit.MICROSECONDS);
            }
        }
    }

    private void deliver(Map<String, SequenceCheck> byTopic, IncomingMessage m) {
        SequenceCheck check = byTopic.get(m.topic());
        if (check == null) {
            clients.counters().error("unexpected topic", new IllegalStateException(m.topic()));
            return;
        }
        check.received(SoakStream.sequenceOf(m.payload()));
    }

    List<SoakStream> streams() {
        return streams;
    }

    List<SequenceCheck> checks() {
        return checks;
    }
}
