package io.midge.benchmarks;

import io.midge.client.IncomingMessage;
import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import io.midge.codec.property.MqttProperties;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Retained messages on a rotating set of topics ({@code soak/retained/<k>}): one topic after the other is set,
 * overwritten, then cleared (an empty retained publish), at QoS 1. New subscribers, each with a fresh client
 * identifier, pick a topic at random and must get exactly its current retained message (nothing when cleared). A
 * topic under check is not changed meanwhile (a per-topic lock), so that "current" is well defined.
 */
final class RetainedRotation {
    private static final String TOPIC = "soak/retained/";
    /** How long a check waits for a message it does not expect (a cleared topic) before it says none came. */
    private static final long SILENCE_MILLIS = 1000;

    private final SoakClients clients;
    private final ReentrantLock[] locks;
    /** Per topic: the current retained payload, or null when there is none. Guarded by the topic's lock. */
    private final String[] current;
    private final long[] changes;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicLong checkers = new AtomicLong();
    private MidgeClient publisher;

    RetainedRotation(SoakClients clients) {
        this.clients = clients;
        int n = clients.options().retainedTopics();
        this.locks = new ReentrantLock[n];
        this.current = new String[n];
        this.changes = new long[n];
        for (int k = 0; k < n; k++) {
            locks[k] = new ReentrantLock();
        }
    }

    /** Connects the publisher, then starts the changes and the checks on {@code tasks}. */
    void start(ScheduledExecutorService tasks) throws Exception {
        SoakOptions o = clients.options();
        if (locks.length == 0) {
            return;
        }
        publisher = clients.steady(clients.builder("soak-retain-pub").build());
        long period = SoakOptions.periodMicros(o.retainedRate());
        if (period > 0) {
            tasks.scheduleAtFixedRate(this::change, period, period, TimeUnit.MICROSECONDS);
        }
        long checkPeriod = SoakOptions.periodMicros(o.retainedChecks());
        if (checkPeriod > 0) {
            tasks.scheduleAtFixedRate(this::check, checkPeriod, checkPeriod, TimeUnit.MICROSECONDS);
        }
    }

    /** The next topic's next step: set, overwrite, clear. A topic under check is left for the next round. */
    private void change() {
        int k = (int) (cursor.getAndIncrement() % locks.length);
        if (!locks[k].tryLock()) {
            return;
        }
        try {
            long step = changes[k]++;
            String value = step % 3 == 2 ? null : k + ":" + step;
            byte[] payload = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
            SoakClients.await(publisher.publish(new OutgoingMessage(TOPIC + k, payload, 1, true, MqttProperties.EMPTY)));
            current[k] = value;
            clients.counters().retainedChanges.increment();
        } catch (Exception e) {
            // Unknown whether the broker took it: the next check of this topic could go either way, so skip it.
            current[k] = "?";
            clients.counters().error("retained change of " + TOPIC + k, e);
        } finally {
            locks[k].unlock();
        }
    }

    /** A new subscriber to a random topic: gets the current retained message, or none when it was cleared. */
    private void check() {
        int k = ThreadLocalRandom.current().nextInt(locks.length);
        locks[k].lock();
        MidgeClient c = null;
        try {
            String expected = current[k];
            if ("?".equals(expected)) {
                return;
            }
            BlockingQueue<IncomingMessage> got = new LinkedBlockingQueue<>();
            c = clients.builder("soak-retain-check-" + checkers.getAndIncrement()).onMessage(got::add).build();
            clients.connect(c);
            SoakClients.await(c.subscribe(TOPIC + k, 1));
            IncomingMessage m = got.poll(expected == null ? SILENCE_MILLIS : SoakClients.TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
            String wrong = null;
            if (expected == null && m != null) {
                wrong = "got '" + m.payloadAsString() + "' after it was cleared";
            } else if (expected != null && m == null) {
                wrong = "got nothing, expected '" + expected + "'";
            } else if (m != null && (!m.retain() || !expected.equals(m.payloadAsString()))) {
                wrong = "got '" + m.payloadAsString() + "' (retain " + m.retain() + "), expected '" + expected + "'";
            }
            if (wrong != null) {
                clients.counters().retainedWrong.increment();
                System.err.println("SOAK-LOAD violation: retained " + TOPIC + k + ": " + wrong);
            }
            clients.counters().retainedChecks.increment();
            SoakClients.await(c.disconnect());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            clients.counters().error("retained check of " + TOPIC + k, e);
        } finally {
            locks[k].unlock();
            clients.closeQuietly(c);
        }
    }
}
