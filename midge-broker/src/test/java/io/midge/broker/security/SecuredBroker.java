package io.midge.broker.security;

import static io.midge.broker.config.ConfigKeys.HOST;
import static io.midge.broker.config.ConfigKeys.IN_MEMORY;
import static io.midge.broker.config.ConfigKeys.IO_THREADS;
import static io.midge.broker.config.ConfigKeys.HTTP_PORT;
import static io.midge.broker.config.ConfigKeys.PORT;

import io.midge.broker.Broker;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Will;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.MqttVersion;
import io.midge.testkit.RawClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A broker started with a password file and/or an ACL file, for the tests of this package; close it. The password
 * file holds {@link #USERS} with cheap hashes (the slowness of real ones is not under test here).
 */
final class SecuredBroker implements AutoCloseable {
    /** User name and password of each user in {@link #writePasswords}' file. */
    static final String[][] USERS = {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"admin", "admin-pw"}};

    final Broker broker;

    private SecuredBroker(Broker broker) {
        this.broker = broker;
    }

    /** Starts a broker on a free port of 127.0.0.1 with these settings. */
    static SecuredBroker start(UnaryOperator<BrokerConfig.Builder> settings) throws InterruptedException {
        BrokerConfig.Builder b = BrokerConfig.builder().set(HOST, "127.0.0.1").set(PORT, 0).set(IO_THREADS, 2)
                .set(HTTP_PORT, 0).set(IN_MEMORY, true);
        return new SecuredBroker(Broker.start(settings.apply(b).build()));
    }

    /** One listener on 127.0.0.1 that lets anonymous clients in or not. */
    static List<ListenerConfig> listener(boolean anonymous) {
        return List.of(new ListenerConfig("test", ListenerConfig.Transport.TCP, "127.0.0.1", 0, null, anonymous, 0,
                null));
    }

    /** Writes the password file of {@link #USERS} (with SCRAM credentials) to dir/passwd. */
    static Path writePasswords(Path dir) throws IOException {
        PasswordFile users = PasswordFile.empty();
        for (String[] u : USERS) {
            users = users.with(u[0], PasswordHash.create(u[1].toCharArray(), PasswordHash.MIN_ITERATIONS),
                    ScramCredential.create(u[1].toCharArray(), ScramCredential.MIN_ITERATIONS));
        }
        Path file = dir.resolve("passwd");
        users.save(file);
        return file;
    }

    static Path write(Path file, String... lines) throws IOException {
        return Files.writeString(file, String.join("\n", lines) + "\n");
    }

    int port() {
        return broker.port();
    }

    /** Sends CONNECT and returns the CONNACK, whatever it says; the client stays open (close it). */
    static ConnAck connAck(RawClient client, MqttVersion version, String clientId, String username, String password,
                           Will will) throws IOException {
        client.version(version);
        client.send(new Connect(version, clientId, true, 0, username, password == null ? null
                : Binary.utf8(password), will, MqttProperties.EMPTY));
        return client.receive(ConnAck.class);
    }

    /** A client connected as this user (fails unless CONNACK says success). */
    RawClient connect(MqttVersion version, String clientId, String username, String password) throws IOException {
        RawClient client = new RawClient(port());
        try {
            client.connect(new Connect(version, clientId, true, 0, username, password == null ? null
                    : Binary.utf8(password), null, MqttProperties.EMPTY));
        } catch (IOException | RuntimeException | AssertionError e) {
            client.close();
            throw e;
        }
        return client;
    }

    @Override
    public void close() {
        broker.close();
    }
}
