package io.midge.cli;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PORT;
import static io.midge.cli.ClientCommandsTest.midge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code midge pub}/{@code sub} with mosquitto_sub/mosquitto_pub (Debian mosquitto-clients) at the other end. */
class MosquittoInteropTest {
    private Broker broker;
    private String port;

    @BeforeEach
    void startBroker() throws InterruptedException {
        broker = Broker.start(BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 1)
                .set(HTTP_PORT, 0)
                .set(IN_MEMORY, true).build());
        port = Integer.toString(broker.port());
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not end");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void mosquittoSubReceivesWhatMidgePubSends() throws Exception {
        CompletableFuture<String> sub = CompletableFuture.supplyAsync(() -> {
            try {
                return run("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5", "-t", "x/#", "-q", "2",
                        "-C", "1", "-v", "-W", "8");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> {
            assertThat(midge("pub", "-p", port, "-t", "x/y", "-m", "from midge", "-q", "2").exitCode()).isZero();
            return sub.isDone();
        });
        assertThat(sub.get()).isEqualTo("x/y from midge\n");
    }

    @Test
    void midgeSubReceivesWhatMosquittoPubSends() throws Exception {
        run("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv311", "-t", "m/q", "-m", "from mosquitto",
                "-q", "1", "-r");
        ClientCommandsTest.Run sub = midge("sub", "-p", port, "-V", "mqttv311", "-t", "m/q", "-q", "1", "-C", "1",
                "-W", "5", "-F", "%t %q %r %p");
        assertThat(sub.exitCode()).as(sub.err()).isZero();
        assertThat(sub.out()).isEqualTo("m/q 1 1 from mosquitto\n");
    }
}
