package io.midge.benchmarks;

import io.midge.client.MidgeClient;
import io.midge.client.ReconnectPolicy;
import io.midge.codec.protocol.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Short-lived connections, each with a fresh client identifier: connect, subscribe, unsubscribe, disconnect,
 * alternating MQTT 5.0 and 3.1.1 (Midge client). Every n-th one instead connects with a will and drops its TCP
 * connection without DISCONNECT; a watcher subscribed to the wills' topics must get each will once. The Midge
 * client always says DISCONNECT when it closes, so these use Eclipse Paho, whose forcible disconnect can skip it.
 */
final class ConnectionChurn {
    private static final String WILL_TOPIC = "soak/will/";

    private final SoakClients clients;
    private final AtomicLong counter = new AtomicLong();
    /** Wills expected and not yet arrived: their number, and when their connection was dropped. */
    private final Map<Long, Long> pendingWills = new ConcurrentHashMap<>();

    ConnectionChurn(SoakClients clients) {
        this.clients = clients;
    }

    /** Connects the will watcher, then starts the churn on {@code tasks}. */
    void start(ScheduledExecutorService tasks) throws Exception {
        SoakOptions o = clients.options();
        long period = SoakOptions.periodMicros(o.churnRate());
        if (period == 0) {
            return;
        }
        MidgeClient watcher = clients.builder("soak-will-watcher").onMessage(m -> {
            long n = parse(m.topic().substring(WILL_TOPIC.length()));
            clients.counters().willsReceived.increment();
            if (pendingWills.remove(n) == null) {
                clients.counters().willsMissing.increment(); // a will twice, or one never asked for
                System.err.println("SOAK-LOAD violation: unexpected will " + m.topic());
            }
        }).build();
        clients.steady(watcher);
        SoakClients.await(watcher.subscribe(WILL_TOPIC + "#", 1));
        tasks.scheduleAtFixedRate(this::once, period, period, TimeUnit.MICROSECONDS);
    }

    private void once() {
        long n = counter.getAndIncrement();
        int willEvery = clients.options().willEvery();
        if (willEvery > 0 && n % willEvery == willEvery - 1) {
            dropWithWill(n);
        } else {
            cleanCycle(n);
        }
    }

    private void cleanCycle(long n) {
        MidgeClient c = clients.builder("soak-churn-" + n)
                .version(n % 2 == 0 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
                .reconnect(ReconnectPolicy.none()).build();
        try {
            clients.connect(c);
            String filter = "soak/churn/" + (n % 16) + "/#";
            SoakClients.await(c.subscribe(filter, (int) (n % 3)));
            SoakClients.await(c.unsubscribe(filter));
            SoakClients.await(c.disconnect());
            clients.counters().churned.increment();
        } catch (Exception e) {
            clients.counters().error("churn connection " + n, e);
        } finally {
            clients.closeQuietly(c);
        }
    }

    private void dropWithWill(long n) {
        SoakOptions o = clients.options();
        MqttClient c = null;
        try {
            c = new MqttClient("tcp://" + o.host() + ":" + o.port(), "soak-will-" + n, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout((int) SoakClients.TIMEOUT.toSeconds());
            options.setWill(WILL_TOPIC + n, Long.toString(n).getBytes(StandardCharsets.UTF_8), 1, false);
            c.connect(options);
            clients.counters().connects.increment();
            // From here on the connection ends without DISCONNECT whatever happens: its will must come.
            pendingWills.put(n, System.nanoTime());
            clients.counters().willsSent.increment();
            c.subscribe("soak/churn/" + (n % 16) + "/will", 1);
            clients.counters().churned.increment();
        } catch (Exception e) {
            clients.counters().error("will connection " + n, e);
        } finally {
            if (c != null) {
                if (c.isConnected()) {
                    try {
                        // Closes the socket without DISCONNECT: the broker must publish the will.
                        c.disconnectForcibly(0, 1000, false);
                    } catch (Exception e) {
                        clients.counters().error("drop will connection " + n, e);
                    }
                }
                try {
                    c.close(true);
                } catch (Exception e) {
                    clients.counters().error("close will connection " + n, e);
                }
            }
        }
    }

    /** Wills not arrived within {@code graceNanos} of their connection's end count as missing. */
    void sweep(long graceNanos) {
        long now = System.nanoTime();
        pendingWills.entrySet().removeIf(e -> {
            if (now - e.getValue() < graceNanos) {
                return false;
            }
            clients.counters().willsMissing.increment();
            System.err.println("SOAK-LOAD violation: no will from soak-will-" + e.getKey());
            return true;
        });
    }

    /** Wills still awaited. */
    int pending() {
        return pendingWills.size();
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
