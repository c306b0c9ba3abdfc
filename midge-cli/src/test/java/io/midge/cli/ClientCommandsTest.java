package io.midge.cli;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.security.Authenticator;
import io.midge.client.MidgeClient;
import io.midge.client.OutgoingMessage;
import io.midge.codec.protocol.ReasonCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.MAX_QUEUED_MESSAGES;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code midge pub}, {@code sub} and {@code rr}, run in-process against an in-process Midge broker. */
class ClientCommandsTest {
    private Broker broker;
    private String port;

    /** One run of the command line, with what it printed. */
    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void startBroker() throws InterruptedException {
        Authenticator onlyAliceWhenNamed = (clientId, username, password, remote) -> CompletableFuture.completedFuture(
                username == null || "alice".equals(username) && password != null && password.toUtf8().equals("secret")
                        ? ReasonCode.SUCCESS : ReasonCode.BAD_USER_NAME_OR_PASSWORD);
        broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 1)
                .set(HTTP_PORT, 0)
                        .set(IN_MEMORY, true).build(),
                onlyAliceWhenNamed, List.of());
        port = Integer.toString(broker.port());
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    static Run midgeWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MidgeCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        if (stdin != null) {
            ((PubCommand) cl.getSubcommands().get("pub").getCommand()).in =
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        }
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run midge(String... args) {
        return midgeWithInput(null, args);
    }

    private String[] withPort(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "-p";
        all[args.length + 1] = port;
        return all;
    }

    @Test
    void pubRetainsAMessageThatSubPrintsWithItsTopic() {
        Run pub = midge(withPort("pub", "-t", "ward3/bed12/heartrate", "-m", "72", "-q", "1", "-r"));
        assertThat(pub.exitCode()).as(pub.err()).isZero();

        Run sub = midge(withPort("sub", "-t", "ward3/+/heartrate", "-C", "1", "-v", "-W", "5"));
        assertThat(sub.exitCode()).as(sub.err()).isZero();
        assertThat(sub.out()).isEqualTo("ward3/bed12/heartrate 72\n");
    }

    @Test
    void subPrintsMessagesPublishedWhileItRunsInJsonWithTheirProperties() throws Exception {
        CompletableFuture<Run> sub = CompletableFuture.supplyAsync(() ->
                midge(withPort("sub", "-t", "live/#", "-q", "1", "-C", "1", "-W", "10", "--json")));
        try (MidgeClient publisher = MidgeClient.builder().port(broker.port()).build()) {
            publisher.connect().get(5, TimeUnit.SECONDS);
            await().until(() -> {
                publisher.publish(OutgoingMessage.builder("live/a").payload("héllo").qos(1)
                        .userProperty("unit", "bpm").messageExpiryInterval(60).build()).get(5, TimeUnit.SECONDS);
                return sub.isDone();
            });
        }
        Run run = sub.get();
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("{\"topic\":\"live/a\",\"payload\":\"héllo\",\"qos\":1,\"retain\":false,"
                + "\"properties\":{\"message_expiry_interval\":60,\"user_properties\":[[\"unit\",\"bpm\"]]}}\n");
    }

    @Test
    void aPayloadThatIsNotUtf8IsBase64InJsonAndHexInAFormat(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("blob");
        Files.write(file, new byte[]{(byte) 0xff, 0x00, 0x41});
        assertThat(midge(withPort("pub", "-t", "bin", "-f", file.toString(), "-r")).exitCode()).isZero();

        Run json = midge(withPort("sub", "-t", "bin", "-C", "1", "-W", "5", "--json"));
        assertThat(json.out()).isEqualTo(
                "{\"topic\":\"bin\",\"payload\":\"/wBB\",\"payload_base64\":true,\"qos\":0,\"retain\":true}\n");
        Run format = midge(withPort("sub", "-t", "bin", "-C", "1", "-W", "5", "-F", "%t|%q|%r|%l|%X", "-N"));
        assertThat(format.out()).isEqualTo("bin|0|1|3|FF0041");
    }

    @Test
    void pubSendsOneMessagePerLineOfStandardInput() throws Exception {
        CompletableFuture<Run> sub = CompletableFuture.supplyAsync(() ->
                midge(withPort("sub", "-t", "lines", "-q", "1", "-C", "3", "-W", "10")));
        await().until(() -> {
            Run pub = midgeWithInput("one\ntwo\nthree\n", withPort("pub", "-t", "lines", "-l", "-q", "1"));
            assertThat(pub.exitCode()).as(pub.err()).isZero();
            return sub.isDone();
        });
        Run run = sub.get();
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("one\ntwo\nthree\n");
    }

    @Test
    void retainedMessagesAreSkippedWithR() throws Exception {
        assertThat(midge(withPort("pub", "-t", "stale", "-m", "old", "-r")).exitCode()).isZero();
        Run run = midge(withPort("sub", "-t", "stale", "-R", "-C", "1", "-W", "1"));
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("timed out after 1 s with 0 of 1 messages");
    }

    @Test
    void aRefusedConnectionSpellsOutTheReasonCodeAndExitsWithOne() {
        Run run = midge(withPort("pub", "-t", "a", "-m", "x", "-u", "alice", "-P", "guess"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("midge pub: connection refused: 0x86 Bad user name or password");

        Run v3 = midge(withPort("sub", "-t", "a", "-u", "mallory", "-V", "mqttv311", "-C", "1"));
        assertThat(v3.exitCode()).isEqualTo(1);
        assertThat(v3.err()).startsWith("midge sub: connection refused: 0x86 Bad user name or password");

        assertThat(midge(withPort("pub", "-t", "a", "-m", "x", "-u", "alice", "-P", "secret")).exitCode()).isZero();
    }

    @Test
    void aRefusedPublishSpellsOutTheReasonCodeAndExitsWithOne() throws Exception {
        broker.close();
        broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 1)
                .set(HTTP_PORT, 0)
                .set(IN_MEMORY, true).set(MAX_QUEUED_MESSAGES, 1).build());
        port = Integer.toString(broker.port());
        try (MidgeClient offline = MidgeClient.builder().port(broker.port()).clientId("offline")
                .sessionExpiryInterval(3600).build()) {
            offline.connect().get(5, TimeUnit.SECONDS);
            offline.subscribe("quota/t", 1).get(5, TimeUnit.SECONDS);
            offline.disconnect().get(5, TimeUnit.SECONDS);
        }
        assertThat(midge(withPort("pub", "-t", "quota/t", "-m", "fits", "-q", "1")).exitCode()).isZero();

        Run run = midge(withPort("pub", "-t", "quota/t", "-m", "full", "-q", "1"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("midge pub: publish to quota/t refused: 0x97 Quota exceeded");
    }

    @Test
    void aBadCertificateFileIsAClearFailure(@TempDir Path dir) throws IOException {
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        Run run = midge(withPort("pub", "-t", "a", "-m", "x", "--cafile", ca.toString()));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("midge pub: bad TLS settings:");
    }

    @Test
    void tlsAgainstAPlainListenerFailsTheHandshake(@TempDir Path dir) throws Exception {
        Run run = midge(withPort("pub", "-t", "a", "-m", "x", "--tls"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("midge pub: TLS handshake failed");
    }

    @Test
    void anUnreachableBrokerIsAClearFailure() {
        Run run = midge("pub", "-t", "a", "-m", "x", "-p", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("midge pub: cannot connect to 127.0.0.1:1");
    }

    @Test
    void propertiesGivenWithDReachTheSubscriber() throws Exception {
        CompletableFuture<Run> sub = CompletableFuture.supplyAsync(() ->
                midge(withPort("sub", "-t", "props", "-C", "1", "-W", "10", "-F", "%p %C %E %P")));
        await().until(() -> {
            Run pub = midge(withPort("pub", "-t", "props", "-m", "v", "-D", "publish", "content-type", "text/plain",
                    "-D", "publish", "message-expiry-interval", "30", "-D", "publish", "user-property", "k", "v"));
            assertThat(pub.exitCode()).as(pub.err()).isZero();
            return sub.isDone();
        });
        assertThat(sub.get().out()).isEqualTo("v text/plain 30 k:v\n");
    }

    @Test
    void anUnknownPropertyIsAUsageError() {
        Run run = midge(withPort("pub", "-t", "a", "-m", "x", "-D", "publish", "colour", "red"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'colour' is not a property midge can set on publish");
    }

    @Test
    void exactlyOneMessageSourceIsAllowed() {
        Run run = midge(withPort("pub", "-t", "a", "-m", "x", "-n"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("mutually exclusive");
    }

    @Test
    void rrPrintsTheResponseCarryingItsCorrelationData() throws Exception {
        try (MidgeClient responder = MidgeClient.builder().port(broker.port()).build()) {
            responder.onMessage(m -> responder.publish(OutgoingMessage.builder(m.responseTopic())
                    .payload("pong:" + m.payloadAsString()).correlationData(m.correlationData()).build()));
            responder.connect().get(5, TimeUnit.SECONDS);
            responder.subscribe("rpc/ping", 1).get(5, TimeUnit.SECONDS);

            Run run = midge(withPort("rr", "-t", "rpc/ping", "-e", "rpc/replies/me", "-m", "hi", "-W", "5", "-v"));
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("rpc/replies/me pong:hi\n");
        }
    }

    @Test
    void rrWithoutAResponderTimesOutWithStatusThree() {
        Run run = midge(withPort("rr", "-t", "rpc/nobody", "-e", "rpc/replies/me", "-m", "hi", "-W", "1"));
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).isEqualTo("midge rr: no response on rpc/replies/me within 1 s\n");
    }

    @Test
    void rrNeedsMqtt5() {
        Run run = midge(withPort("rr", "-t", "a", "-e", "b", "-V", "mqttv311"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("request/response needs MQTT 5");
    }
}
