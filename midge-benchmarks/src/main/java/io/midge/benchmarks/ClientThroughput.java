package io.midge.benchmarks;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import io.midge.client.ReconnectPolicy;
import io.midge.codec.protocol.MqttVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/**
 * Publishes per second of one connection, at QoS 0 and QoS 1, for the Midge client, Eclipse Paho (3.1.1 and 5.0)
 * and the HiveMQ client, against the same running broker, with the same payload, count and window.
 *
 * <p>Every client publishes asynchronously with at most {@code window} publishes outstanding (a semaphore released
 * by each client's own completion: QoS 0 when sent, QoS 1 at PUBACK), so none waits for one round trip per
 * message and none is asked to buffer without bound. A run ends when the last publish completed and a final QoS 1
 * publish on the same connection was acknowledged (so QoS 0 counts what reached the broker). Each client and QoS
 * gets one warm-up run and three measured runs; the median is reported.
 *
 * <p>{@code java -cp benchmarks.jar io.midge.benchmarks.ClientThroughput [host] [port] [count] [payload bytes]
 * [window]}; {@code -Dclients=midge} (or hivemq, paho) runs only the clients whose name starts so.
 */
public final class ClientThroughput {
    private interface Publisher extends AutoCloseable {
        /** Publishes; calls {@code done} when the client reports the publish complete. */
        void publish(byte[] payload, int qos, Runnable done) throws Exception;

        /** A QoS 1 publish, waited for. */
        void fence() throws Exception;

        @Override
        void close() throws Exception;
    }

    private interface Factory {
        Publisher open(String host, int port) throws Exception;
    }

    private static final String TOPIC = "bench/throughput";

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 18830;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 500_000;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int window = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');

        List<String> names = List.of("midge (5.0)", "hivemq (5.0)", "paho v5 (5.0)", "paho v3 (3.1.1)");
        List<Factory> factories = List.of(ClientThroughput::midge, ClientThroughput::hivemq,
                (h, p) -> pahoV5(h, p, window), (h, p) -> pahoV3(h, p, window));
        System.out.printf(Locale.ROOT, "broker %s:%d, %d publishes of %d B per run, window %d%n", host, port, count,
                size, window);
        System.out.printf(Locale.ROOT, "%-18s %14s %14s%n", "client", "QoS 0 msg/s", "QoS 1 msg/s");
        String only = System.getProperty("clients", "");
        for (int i = 0; i < names.size(); i++) {
            if (!only.isEmpty() && !names.get(i).startsWith(only)) {
                continue;
            }
            double[] rates = new double[2];
            for (int qos = 0; qos <= 1; qos++) {
                try (Publisher publisher = factories.get(i).open(host, port)) {
                    run(publisher, payload, qos, count, window); // warm-up: as long as a measured run, so the JIT is done
                    List<Double> measured = new ArrayList<>();
                    for (int r = 0; r < 3; r++) {
                        measured.add(run(publisher, payload, qos, count, window));
                    }
                    measured.sort(null);
                    rates[qos] = measured.get(1);
                }
            }
            System.out.printf(Locale.ROOT, "%-18s %14.0f %14.0f%n", names.get(i), rates[0], rates[1]);
        }
    }

    private static double run(Publisher publisher, byte[] payload, int qos, int count, int window)
            throws Exception {
        Semaphore permits = new Semaphore(window);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            publisher.publish(payload, qos, permits::release);
        }
        if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("publishes did not complete within 60 s");
        }
        publisher.fence();
        long elapsed = System.nanoTime() - start;
        return count / (elapsed / 1e9);
    }

    private static Publisher midge(String host, int port) {
        MidgeClient client = MidgeClient.builder().host(host).port(port).version(MqttVersion.MQTT_5)
                .reconnect(ReconnectPolicy.none()).build();
        client.connect().join();
        return new Publisher() {
            @Override
            public void publish(byte[] payload, int qos, Runnable done) {
                client.publish(OutgoingMessage.of(TOPIC, payload, qos)).whenComplete((r, e) -> {
                    if (e != null) {
                        e.printStackTrace();
                    }
                    done.run();
                });
            }

            @Override
            public void fence() {
                client.publish(OutgoingMessage.of(TOPIC, new byte[1], 1)).join();
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    private static Publisher hivemq(String host, int port) {
        Mqtt5AsyncClient client = Mqtt5Client.builder().serverHost(host).serverPort(port).buildAsync();
        client.connect().join();
        return new Publisher() {
            @Override
            public void publish(byte[] payload, int qos, Runnable done) {
                client.publishWith().topic(TOPIC).payload(payload).qos(MqttQos.fromCode(qos)).send()
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                e.printStackTrace();
                            }
                            done.run();
                        });
            }

            @Override
            public void fence() {
                client.publishWith().topic(TOPIC).payload(new byte[1]).qos(MqttQos.AT_LEAST_ONCE).send().join();
            }

            @Override
            public void close() {
                client.disconnect().join();
            }
        };
    }

    private static Publisher pahoV3(String host, int port, int window) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient("tcp://" + host + ":" + port, "paho-v3-bench",
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(window + 1);
        options.setCleanSession(true);
        client.connect(options).waitForCompletion();
        return new Publisher() {
            @Override
            public void publish(byte[] payload, int qos, Runnable done) throws Exception {
                client.publish(TOPIC, payload, qos, false, null, new IMqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        done.run();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable e) {
                        e.printStackTrace();
                        done.run();
                    }
                });
            }

            @Override
            public void fence() throws Exception {
                client.publish(TOPIC, new byte[1], 1, false).waitForCompletion();
            }

            @Override
            public void close() throws Exception {
                client.disconnect().waitForCompletion();
                client.close();
            }
        };
    }

    private static Publisher pahoV5(String host, int port, int window) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttAsyncClient client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                "tcp://" + host + ":" + port, "paho-v5-bench",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setReceiveMaximum(window + 1);
        client.connect(options).waitForCompletion();
        return new Publisher() {
            @Override
            public void publish(byte[] payload, int qos, Runnable done) throws Exception {
                org.eclipse.paho.mqttv5.common.MqttMessage m = new org.eclipse.paho.mqttv5.common.MqttMessage(payload);
                m.setQos(qos);
                client.publish(TOPIC, m, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(org.eclipse.paho.mqttv5.client.IMqttToken token) {
                        done.run();
                    }

                    @Override
                    public void onFailure(org.eclipse.paho.mqttv5.client.IMqttToken token, Throwable e) {
                        e.printStackTrace();
                        done.run();
                    }
                });
            }

            @Override
            public void fence() throws Exception {
                client.publish(TOPIC, new byte[1], 1, false).waitForCompletion();
            }

            @Override
            public void close() throws Exception {
                client.disconnect().waitForCompletion();
                client.close();
            }
        };
    }

    private ClientThroughput() {
    }

}
