package io.midge.cli;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.HTTP_ALLOW_ANONYMOUS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;
import static io.midge.broker.config.ConfigKeys.PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.security.PasswordFile;
import io.midge.broker.security.PasswordHash;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code midge clients}, {@code kick}, {@code retained} and {@code stats}, run in-process against an in-process
 * broker's management API, with Paho MQTT 5 clients for the broker to list, kick and count.
 */
class ManagementCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Long: the machine that runs the tests may be busy, and a command's run takes seconds then. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Broker broker;
    private String url;
    private final Deque<MqttAsyncClient> clients = new ArrayDeque<>();

    @BeforeEach
    void startBroker() throws InterruptedException {
        start(b -> { });
    }

    @AfterEach
    void stop() throws MqttException {
        while (!clients.isEmpty()) {
            MqttAsyncClient client = clients.pop();
            if (client.isConnected()) {
                client.disconnectForcibly(0, 1000, false);
            }
            client.close(true);
        }
        broker.close();
    }

    private void start(Consumer<BrokerConfig.Builder> more) throws InterruptedException {
        if (broker != null) {
            broker.close();
        }
        BrokerConfig.Builder config = BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 1)
                .set(HTTP_PORT, -1).set(IN_MEMORY, true);
        more.accept(config);
        broker = Broker.start(config.build());
        url = "http://127.0.0.1:" + broker.httpPort();
    }

    /** A run of {@code midge COMMAND --url <the broker's> ARGS...}. */
    private ClientCommandsTest.Run midge(String command, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = "--url";
        all[2] = url;
        System.arraycopy(args, 0, all, 3, args.length);
        return ClientCommandsTest.midge(all);
    }

    /** What a Paho client heard when the broker disconnected it. */
    static final class Inbox implements MqttCallback {
        final CompletableFuture<Integer> disconnectReason = new CompletableFuture<>();

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnectReason.complete(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    /** A Paho MQTT 5 client, connected; {@code sessionExpiry} > 0 keeps its session when it goes. */
    private Inbox connect(String clientId, String username, long sessionExpiry) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + broker.port(), clientId,
                new MemoryPersistence());
        Inbox inbox = new Inbox();
        client.setCallback(inbox);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSessionExpiryInterval(sessionExpiry);
        options.setKeepAliveInterval(0);
        if (username != null) {
            options.setUserName(username);
        }
        client.connect(options).waitForCompletion(5000);
        clients.push(client);
        return inbox;
    }

    private MqttAsyncClient client(String clientId) {
        return clients.stream().filter(c -> c.getClientId().equals(clientId)).findFirst().orElseThrow();
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static List<String> clientIds(JsonNode page) {
        return page.get("items").findValuesAsText("clientId");
    }

    @Test
    void clientsListsTheConnectedClientsAndTheOfflineSessionsInATable() throws Exception {
        connect("sensor-1", "alice", 0);
        connect("sensor-2", null, 0);
        connect("gone", null, 3600);
        client("gone").disconnect().waitForCompletion(5000);

        await().atMost(PATIENCE).untilAsserted(() -> { // the broker takes the DISCONNECT in its own time
            ClientCommandsTest.Run run = midge("clients");
            assertThat(run.exitCode()).as(run.err()).isZero();
            List<String> lines = run.out().lines().toList();
            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).startsWith("CLIENT ID  STATE      USER   ADDRESS");
            assertThat(lines.get(1)).startsWith("gone       offline    -      -  ");
            assertThat(lines.get(2)).matches("sensor-1   connected  alice  127\\.0\\.0\\.1:\\d+ +5\\.0 .*");
            assertThat(lines.get(3)).startsWith("sensor-2   connected  -      127.0.0.1:");
        });
    }

    @Test
    void clientsFiltersByPrefixUserAndStateAndPrintsTheApisJson() throws Exception {
        connect("sensor-1", "alice", 0);
        connect("sensor-2", null, 0);
        connect("lamp", "alice", 0);
        connect("gone", null, 3600);
        client("gone").disconnect().waitForCompletion(5000);

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(clientIds(json(midge("clients", "--offline", "--json").out()))).containsExactly("gone"));
        assertThat(clientIds(json(midge("clients", "--prefix", "sensor-", "--json").out())))
                .containsExactly("sensor-1", "sensor-2");
        assertThat(clientIds(json(midge("clients", "--user", "alice", "--json").out())))
                .containsExactly("lamp", "sensor-1");
        JsonNode connected = json(midge("clients", "--connected", "--json").out());
        assertThat(clientIds(connected)).containsExactly("lamp", "sensor-1", "sensor-2");
        assertThat(connected.get("next").isNull()).isTrue();
        JsonNode lamp = connected.get("items").get(0);
        assertThat(lamp.get("connected").asBoolean()).isTrue();
        assertThat(lamp.get("protocolVersion").asText()).isEqualTo("5.0");
        assertThat(lamp.get("username").asText()).isEqualTo("alice");

        ClientCommandsTest.Run none = midge("clients", "--prefix", "nothing-");
        assertThat(none.exitCode()).isZero();
        assertThat(none.out()).isEqualTo("no clients match\n");
    }

    @Test
    void clientsFollowsNextFromPageToPageUpToTheLimit() throws Exception {
        for (int i = 1; i <= 5; i++) {
            connect("c" + i, null, 0);
        }
        ManagementApi api = new ManagementApi(url, null, null, 2); // pages of 2: three pages for 5 clients
        ManagementApi.Page all = api.items("clients", Map.of(), 100);
        assertThat(all.items()).extracting(c -> c.get("clientId").asText())
                .containsExactly("c1", "c2", "c3", "c4", "c5");
        assertThat(all.next()).isNull();
        ManagementApi.Page three = api.items("clients", Map.of(), 3);
        assertThat(three.items()).extracting(c -> c.get("clientId").asText()).containsExactly("c1", "c2", "c3");
        assertThat(three.next()).isNotNull();

        ClientCommandsTest.Run limited = midge("clients", "--limit", "2");
        assertThat(limited.out().lines()).hasSize(4).last().isEqualTo("(more than 2; --limit shows more)");
        JsonNode json = json(midge("clients", "--limit", "4", "--json").out());
        assertThat(clientIds(json)).containsExactly("c1", "c2", "c3", "c4");
        assertThat(json.get("next").isNull()).isFalse();
    }

    @Test
    void kickDisconnectsARealClientWithAdministrativeAction() throws Exception {
        Inbox victim = connect("victim", null, 0);
        connect("bystander", null, 0);

        ClientCommandsTest.Run run = midge("kick", "victim");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("kicked 'victim'\n");
        // MQTT-3.14.2-1 (the server sends DISCONNECT with a reason code before closing): 0x98 Administrative action
        assertThat(victim.disconnectReason.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(0x98);
        await().atMost(PATIENCE).until(() -> !client("victim").isConnected());
        assertThat(client("bystander").isConnected()).isTrue();
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(clientIds(json(midge("clients", "--json").out()))).containsExactly("bystander"));
    }

    @Test
    void kickWithSessionAlsoDiscardsTheSessionWhileWithoutItTheSessionStays() throws Exception {
        connect("keeper", null, 3600);
        connect("dropper", null, 3600);

        assertThat(midge("kick", "keeper").exitCode()).isZero();
        ClientCommandsTest.Run run = midge("kick", "dropper", "--session");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("kicked 'dropper' and discarded its session\n");

        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode page = json(midge("clients", "--json").out());
            assertThat(clientIds(page)).containsExactly("keeper");
            assertThat(page.get("items").get(0).get("connected").asBoolean()).isFalse();
        });
    }

    @Test
    void kickFindsAClientWhoseIdentifierHoldsSlashesSpacesAndPercents() throws Exception {
        String odd = "room 1/lamp+50%é";
        Inbox lamp = connect(odd, null, 0);
        ClientCommandsTest.Run run = midge("kick", odd);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(lamp.disconnectReason.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(0x98);
    }

    @Test
    void kickOfAnUnknownClientIs404AndExitStatus1() {
        ClientCommandsTest.Run run = midge("kick", "nobody");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("midge kick: no client 'nobody' (404)\n");
    }

    @Test
    void retainedShowsRealRetainedMessagesTextOrBase64() throws Exception {
        connect("publisher", null, 0);
        MqttAsyncClient publisher = client("publisher");
        publisher.publish("home/kitchen/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true)
                .waitForCompletion(5000);
        publisher.publish("home/blob", new byte[]{(byte) 0xff, 0x00, 0x41}, 0, true).waitForCompletion(5000);
        publisher.publish("garden/temp", "12".getBytes(StandardCharsets.UTF_8), 0, true).waitForCompletion(5000);

        await().atMost(PATIENCE).untilAsserted(() -> {
            ClientCommandsTest.Run run = midge("retained", "home/#");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo(""
                    + "TOPIC              QOS  BYTES  PAYLOAD\n"
                    + "home/blob            0      3  base64:/wBB\n"
                    + "home/kitchen/temp    1      4  21.5\n");
        });
        JsonNode json = json(midge("retained", "+/temp", "--json").out());
        assertThat(json.get("items").findValuesAsText("topic")).containsExactly("garden/temp");
        assertThat(json.get("items").get(0).get("payload").asText()).isEqualTo("12");
        assertThat(json.get("items").get(0).get("payloadEncoding").asText()).isEqualTo("utf8");
        assertThat(midge("retained", "office/#").out()).isEqualTo("no retained messages match 'office/#'\n");
    }

    @Test
    void statsShowsTheBrokersRealCounts() throws Exception {
        connect("one", null, 0);
        connect("two", null, 0);
        connect("gone", null, 3600);
        client("gone").disconnect().waitForCompletion(5000);
        client("two").subscribe("count/me", 1).waitForCompletion(5000);
        for (int i = 0; i < 7; i++) {
            client("one").publish("count/me", new byte[]{1}, 1, false).waitForCompletion(5000);
        }

        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode stats = json(midge("stats", "--json").out());
            assertThat(stats.get("connections").asInt()).isEqualTo(2);
            assertThat(stats.get("sessions").get("connected").asInt()).isEqualTo(2);
            assertThat(stats.get("sessions").get("offline").asInt()).isEqualTo(1);
            assertThat(stats.get("messages").get("received").asLong()).isEqualTo(7);
            assertThat(stats.get("messages").get("sent").asLong()).isEqualTo(7);
        });
        ClientCommandsTest.Run run = midge("stats");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Midge ").contains(
                "\nconnections        2\n",
                "\nsessions           2 connected, 1 offline\n",
                "\nsubscriptions      1\n",
                "\nmessages           7 received, 7 sent, 0 dropped\n");
    }

    @Test
    void withoutAdminTheCommandsAreRefusedWith401Or403AndExitStatus1() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().with("root", PasswordHash.create("root-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .with("alice", PasswordHash.create("alice-pw".toCharArray(), PasswordHash.MIN_ITERATIONS))
                .save(passwd);
        Path acl = Files.writeString(dir.resolve("acl"), "user root\nadmin\ntopic #\nuser alice\ntopic #\n");
        start(b -> b.set(HTTP_ALLOW_ANONYMOUS, false).set(PASSWORD_FILE, passwd).set(ACL_FILE, acl));

        ClientCommandsTest.Run anonymous = midge("stats");
        assertThat(anonymous.exitCode()).isEqualTo(1);
        assertThat(anonymous.err())
                .isEqualTo("midge stats: not allowed: log in as a user the ACL grants admin (401)\n");
        ClientCommandsTest.Run wrong = midge("clients", "-u", "root", "-P", "wrong");
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).isEqualTo("midge clients: not allowed: wrong user name or password for 'root' (401)\n");
        ClientCommandsTest.Run alice = midge("kick", "x", "-u", "alice", "--password", "alice-pw");
        assertThat(alice.exitCode()).isEqualTo(1);
        assertThat(alice.err()).isEqualTo("midge kick: not allowed: the ACL does not grant 'alice' admin (403)\n");
        ClientCommandsTest.Run root = midge("retained", "-u", "root", "-P", "root-pw");
        assertThat(root.exitCode()).as(root.err()).isZero();
        assertThat(midge("stats", "-u", "root", "-P", "root-pw").exitCode()).isZero();
    }

    @Test
    void anUnreachableBrokerIsExitStatus1WithTheReason() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort(); // free once closed: nothing listens there
        }
        url = "http://127.0.0.1:" + closed;
        ClientCommandsTest.Run run = midge("clients");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge clients: cannot reach " + url + " (connection refused)\n");
    }

    @Test
    void anUnknownHostIsNamedAsSuch() {
        url = "http://no-such-host.invalid:8080"; // .invalid never resolves (RFC 2606)
        ClientCommandsTest.Run run = midge("stats");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("midge stats: cannot reach " + url + " (unknown host)\n");
    }

    @Test
    void badUsageIsExitStatus2() {
        assertThat(midge("clients", "--connected", "--offline").exitCode()).isEqualTo(2);
        assertThat(midge("clients", "--limit", "0").exitCode()).isEqualTo(2);
        assertThat(midge("stats", "-P", "secret").err()).contains("-P needs a user name (-u)");
        assertThat(midge("kick").exitCode()).isEqualTo(2);
        url = "127.0.0.1:8080";
        ClientCommandsTest.Run noScheme = midge("stats");
        assertThat(noScheme.exitCode()).isEqualTo(2);
        assertThat(noScheme.err()).contains("--url must be http:// or https://");
    }
}
