package io.midge.broker.cluster;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;

/** A Paho 3.1.1 client taking over a persistent session that lives on another node of the cluster. */
final class PahoTakeover {
    private PahoTakeover() {
    }

    /**
     * Connects and returns Session Present. A refusal with 3.1.1 return code 3 (server unavailable: the old node did
     * not hand the session over in time, and kept it) is what a client gets when a move takes too long on a loaded
     * machine; it connects again, as a client would, and nothing of the session is lost meanwhile. Each refusal is
     * printed; any other failure fails at once.
     */
    static boolean connect(MqttClient client, MqttConnectOptions options, Duration within) {
        return await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                return client.connectWithResult(options).getSessionPresent() ? 1 : 0;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_BROKER_UNAVAILABLE) {
                    throw e;
                }
                System.out.printf("%s refused (%s): connecting again%n", client.getClientId(), e.getMessage());
                return -1;
            }
        }, answer -> answer >= 0) == 1;
    }
}
