package io.midge.broker.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.midge.broker.testing.BrokerExtension;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.PubAck;
import io.midge.codec.packet.Publish;
import io.midge.codec.packet.SubAck;
import io.midge.codec.packet.Subscribe;
import io.midge.codec.packet.Subscription;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.MqttVersion;
import io.midge.codec.protocol.ReasonCode;
import io.midge.testkit.RawClient;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on a disk that fills up: a size-limited tmpfs the test mounts (it needs root and a kernel that lets it
 * mount; elsewhere the test is skipped and says so). Nothing is acknowledged that was not stored, 5.0 publishers are
 * told why, and the broker takes writes again by itself once the disk has room, without a restart.
 */
class FullDiskTest {
    @TempDir
    static Path temp;
    static Path disk;

    @BeforeAll
    static void mountSmallDisk() throws Exception {
        disk = Files.createDirectory(temp.resolve("small-disk"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk.toString()),
                "cannot mount a size-limited tmpfs here (needs root): the full-disk test is skipped");
    }

    @AfterAll
    static void unmount() throws Exception {
        if (disk != null) {
            run("umount", "-l", disk.toString());
        }
    }

    @RegisterExtension
    final BrokerExtension broker = new BrokerExtension().durable(temp.resolve("small-disk").resolve("store"));

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** Writes a file until the disk refuses: the disk is then full. */
    private static Path fill(Path dir) throws IOException {
        Path filler = dir.resolve("filler");
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
        return filler;
    }

    private static Connect persistent(String clientId) {
        return new Connect(MqttVersion.MQTT_5, clientId, false, 0, null, null, null,
                MqttProperties.builder().add(PropertyId.SESSION_EXPIRY_INTERVAL, 3600).build());
    }

    private static PubAck publish(RawClient pub, int id) throws IOException {
        byte[] payload = new byte[4096];
        byte[] label = ("message-" + id).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(label, 0, payload, 0, label.length);
        pub.send(new Publish("disk/t", 1, false, false, id, MqttProperties.EMPTY, Unpooled.wrappedBuffer(payload)));
        PubAck ack = pub.receive(PubAck.class);
        assertThat(ack.packetId()).isEqualTo(id);
        return ack;
    }

    @Test
    @DisplayName("On a full disk a QoS 1 publish is refused with PUBACK 0x80 and a reason, never acknowledged "
            + "unstored [MQTT-4.3.2-4: PUBACK only having accepted ownership]; once the disk has room the broker "
            + "takes publishes again by itself, and every acknowledged message reaches the persistent subscriber")
    void aFullDiskRefusesPublishesUntilItHasRoomAgain() throws Exception {
        try (RawClient sub = RawClient.connected(broker.port(), persistent("disk-sub"))) {
            sub.send(new Subscribe(1, List.of(new Subscription("disk/#", 1, false, false, 0)), MqttProperties.EMPTY));
            sub.receive(SubAck.class);
        }
        List<Integer> acknowledged = new ArrayList<>();
        Path filler;
        try (RawClient pub = RawClient.connected(broker.port(), persistent("disk-pub"))) {
            publish(pub, 1);
            acknowledged.add(1);
            filler = fill(disk);
            PubAck refused = null;
            // The write-ahead log may still have room the file system gave it earlier: publish until it has none.
            for (int id = 2; id < 10_000 && refused == null; id++) {
                PubAck ack = publish(pub, id);
                if (ack.reasonCode() == ReasonCode.SUCCESS) {
                    acknowledged.add(id);
                } else {
                    refused = ack;
                }
            }
            assertThat(refused).as("a publish was refused once the disk was full").isNotNull();
            assertThat(refused.reasonCode()).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);
            assertThat(refused.properties().string(PropertyId.REASON_STRING))
                    .isEqualTo("the broker's store cannot write: no space left on device");
            PubAck stillRefused = publish(pub, 20_000);
            assertThat(stillRefused.reasonCode()).isEqualTo(ReasonCode.UNSPECIFIED_ERROR);

            Files.delete(filler);
            int[] next = {20_001};
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int id = next[0]++;
                boolean taken = publish(pub, id).reasonCode() == ReasonCode.SUCCESS;
                if (taken) {
                    acknowledged.add(id);
                }
                return taken;
            });
            assertThat(broker.broker().meters().scrape())
                    .containsPattern("midge_store_recoveries_total(\\{[^}]*})? 1\\.0")
                    .containsPattern("midge_store_failed_batches_total(\\{[^}]*})? [1-9]");
        }

        broker.restart();
        List<Integer> received = new ArrayList<>();
        try (RawClient sub = RawClient.connected(broker.port(), persistent("disk-sub"))) {
            while (received.size() < acknowledged.size()) {
                Publish p = sub.receive(Publish.class);
                try {
                    String label = p.payload().toString(0, 16, StandardCharsets.UTF_8);
                    received.add(Integer.parseInt(label.substring("message-".length()).replaceAll("\\D.*", "")));
                } finally {
                    p.release();
                }
                sub.send(new PubAck(p.packetId()));
            }
        }
        assertThat(received).as("every acknowledged message, in order, and no refused one")
                .containsExactlyElementsOf(acknowledged);
    }
}
