package io.midge.broker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.midge.broker.testing.BrokerExtension;
import io.midge.broker.testing.MosquittoClients;
import io.midge.broker.testing.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mosquitto_pub to mosquitto_sub through the broker, in MQTT 3.1.1 ({@code -V mqttv311}) and 5.0
 * ({@code -V mqttv5}). mosquitto_sub prints each message as {@code qos|retain|topic|payload}.
 */
class MosquittoPubSubTest {
    private static final String FORMAT = "%q|%r|%t|%p";

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension();

    static Stream<Arguments> versionsAndQos() {
        List<Arguments> rows = new ArrayList<>();
        for (String version : List.of("mqttv311", "mqttv5")) {
            for (int qos = 0; qos <= 2; qos++) {
                rows.add(Arguments.of(version, qos));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} QoS {1}")
    @MethodSource("versionsAndQos")
    @DisplayName("mosquitto_pub reaches mosquitto_sub at the published QoS under a QoS 2 subscription "
            + "(MQTT-3.8.4-8)")
    void mosquittoPubReachesMosquittoSub(String version, int qos) {
        CompletableFuture<MosquittoClients.Result> sub = subscribe(1, "-V", version, "-i", "msub-" + qos,
                "-t", "mosq/" + version, "-q", "2", "-C", "1");
        publish("-V", version, "-i", "mpub-" + qos, "-t", "mosq/" + version, "-q", Integer.toString(qos),
                "-m", "hello " + qos);
        assertThat(finished(sub).lines()).containsExactly(qos + "|0|mosq/" + version + "|hello " + qos);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    @DisplayName("mosquitto_sub at QoS 0 gets a QoS 2 message at QoS 0 (MQTT-3.8.4-8)")
    void mosquittoSubAtQos0GetsQos0(String version) {
        CompletableFuture<MosquittoClients.Result> sub = subscribe(1, "-V", version, "-i", "msub-min",
                "-t", "min/t", "-q", "0", "-C", "1");
        publish("-V", version, "-i", "mpub-min", "-t", "min/t", "-q", "2", "-m", "down");
        assertThat(finished(sub).lines()).containsExactly("0|0|min/t|down");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    @DisplayName("A retained message from mosquitto_pub reaches a later mosquitto_sub with RETAIN 1; an empty "
            + "retained message clears it (MQTT-3.3.1-5, MQTT-3.3.1-6)")
    void retainedMessagesWithMosquitto(String version) {
        publish("-V", version, "-i", "mret-pub", "-t", "mret/t", "-q", "1", "-r", "-m", "kept");
        assertThat(MosquittoClients.sub(broker.port(), "-V", version, "-i", "mret-sub", "-t", "mret/#", "-C", "1",
                "-F", FORMAT).lines()).containsExactly("0|1|mret/t|kept");

        publish("-V", version, "-i", "mret-clear", "-t", "mret/t", "-q", "1", "-r", "-n");
        await().until(() -> broker.broker().router().topicTree().subscriptionCount() == 0); // the first one left
        // --retained-only ends at the first message without RETAIN: the live marker. Nothing retained is left.
        CompletableFuture<MosquittoClients.Result> sub = subscribe(1, "-V", version, "-i", "mret-sub2",
                "-t", "mret/#", "--retained-only");
        publish("-V", version, "-i", "mret-marker", "-t", "mret/marker", "-m", "live");
        assertThat(finished(sub).lines()).isEmpty();
    }

    @Test
    @DisplayName("mqttv311: 'sport/#' also receives 'sport' (§4.7.1.2)")
    void multiLevelWildcardMatchesTheParentWithMosquitto() {
        CompletableFuture<MosquittoClients.Result> sub = subscribe(1, "-V", "mqttv311", "-i", "mwild-sub",
                "-t", "sport/#", "-C", "2");
        publish("-V", "mqttv311", "-i", "mwild-pub1", "-t", "sports", "-m", "no");
        publish("-V", "mqttv311", "-i", "mwild-pub2", "-t", "sport", "-m", "parent");
        publish("-V", "mqttv311", "-i", "mwild-pub3", "-t", "sport/tennis", "-m", "child");
        assertThat(finished(sub).lines()).containsExactly("0|0|sport|parent", "0|0|sport/tennis|child");
    }

    @Test
    @DisplayName("mqttv5: '#' does not receive '$SYS' topics, '$SYS/#' does (MQTT-4.7.2-1)")
    void dollarTopicsWithMosquitto() {
        CompletableFuture<MosquittoClients.Result> all = subscribe(1, "-V", "mqttv5", "-i", "mdollar-all",
                "-t", "#", "-C", "1");
        CompletableFuture<MosquittoClients.Result> sys = subscribe(2, "-V", "mqttv5", "-i", "mdollar-sys",
                "-t", "$SYS/#", "-C", "1");
        broker.publishAsBroker("$SYS/load", 0, false, "system"); // clients may not publish to $ topics
        publish("-V", "mqttv5", "-i", "mdollar-pub2", "-t", "app/load", "-m", "application");
        assertThat(finished(all).lines()).containsExactly("0|0|app/load|application");
        assertThat(finished(sys).lines()).containsExactly("0|0|$SYS/load|system");
    }

    @Test
    @DisplayName("mqttv5: the Subscription Identifier set by mosquitto_sub comes back with the message "
            + "(MQTT-3.3.4-3)")
    void subscriptionIdentifierWithMosquitto() {
        CompletableFuture<MosquittoClients.Result> sub = subscribe(1, "-V", "mqttv5", "-i", "msubid-sub",
                "-t", "subid/t", "-q", "1", "-C", "1", "-D", "subscribe", "subscription-identifier", "42",
                "-F", "%S|%p");
        publish("-V", "mqttv5", "-i", "msubid-pub", "-t", "subid/t", "-q", "1", "-m", "tagged");
        MosquittoClients.Result result = sub.join();
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.lines()).containsExactly("42|tagged");
    }

    @Test
    @DisplayName("mqttv5: mosquitto_pub sees PUBACK 0x10 No matching subscribers when nobody subscribes "
            + "(§3.4.2.1)")
    void mosquittoPubSeesNoMatchingSubscribers() {
        MosquittoClients.Result result = MosquittoClients.pub(broker.port(), "-V", "mqttv5", "-i", "mrc-pub",
                "-t", "nobody/here", "-q", "1", "-m", "x", "-d");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).containsPattern("received PUBACK \\(Mid: \\d+, RC:16\\)");
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Starts mosquitto_sub (printing {@link #FORMAT} unless the args give -F) and returns once the broker holds
     * {@code subscriptions} subscriptions in all, so that what is published next reaches it.
     */
    private CompletableFuture<MosquittoClients.Result> subscribe(int subscriptions, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("-F")) {
            all.add("-F");
            all.add(FORMAT);
        }
        all.add("-W");
        all.add("10");
        CompletableFuture<MosquittoClients.Result> result = CompletableFuture.supplyAsync(
                () -> MosquittoClients.sub(broker.port(), all.toArray(String[]::new)), Threads::startDaemon);
        await().until(() -> result.isDone()
                || broker.broker().router().topicTree().subscriptionCount() >= subscriptions);
        return result;
    }

    private void publish(String... args) {
        MosquittoClients.Result result = MosquittoClients.pub(broker.port(), args);
        assertThat(result.exitCode()).as("mosquitto_pub: " + result.stderr()).isZero();
    }

    private static MosquittoClients.Result finished(CompletableFuture<MosquittoClients.Result> sub) {
        MosquittoClients.Result result = sub.join();
        assertThat(result.exitCode()).as("mosquitto_sub: " + result.stderr()).isZero();
        return result;
    }
}
