package io.midge.cli;

import io.midge.client.MidgeClient;
import io.midge.client.ReconnectPolicy;
import io.midge.client.TlsSettings;
import io.midge.codec.protocol.MqttVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The connection options {@code midge pub}, {@code sub} and {@code rr} share, with mosquitto_pub/mosquitto_sub's
 * letters and meanings.
 */
final class ClientOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = {"-h", "--host"}, paramLabel = "HOST", description = "Broker host (default 127.0.0.1).")
    String host = "127.0.0.1";

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Broker port (default 1883, or 8883 with TLS).")
    Integer port;

    @Option(names = {"-i", "--id"}, paramLabel = "ID",
            description = "Client identifier (default: assigned by the broker with MQTT 5, random with 3.1.1).")
    String clientId;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name.")
    String username;

    @Option(names = {"-P", "--pw"}, paramLabel = "PASSWORD", description = "Password.")
    String password;

    @Option(names = {"-V", "--protocol-version"}, paramLabel = "VERSION",
            description = "mqttv5 (default) or mqttv311.")
    String protocolVersion = "mqttv5";

    @Option(names = {"-k", "--keepalive"}, paramLabel = "SECONDS", description = "Keep-alive (default 60).")
    int keepAlive = 60;

    @Option(names = {"-c", "--disable-clean-session"},
            description = "Keep the session after disconnecting (needs -i; with MQTT 5 the session never expires "
                    + "unless -D connect session-expiry-interval says otherwise).")
    boolean persistentSession;

    @Option(names = "--cafile", paramLabel = "FILE", description = "PEM file of the CAs to trust; turns TLS on.")
    Path caFile;

    @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (PEM); turns TLS on.")
    Path certFile;

    @Option(names = "--key", paramLabel = "FILE", description = "Private key of --cert (PKCS#8 PEM).")
    Path keyFile;

    @Option(names = "--tls", description = "TLS with the JDK's trusted CAs.")
    boolean tls;

    @Option(names = "--insecure", description = "Do not check that the broker's certificate names the host.")
    boolean insecure;

    @Option(names = "--ws", paramLabel = "PATH", description = "MQTT over WebSocket at this path (e.g. /mqtt).")
    String webSocketPath;

    @Option(names = "-D", paramLabel = "COMMAND PROPERTY VALUE", parameterConsumer = MqttPropertyOptions.Consumer.class,
            description = "An MQTT 5 property: -D connect|publish|subscribe NAME VALUE (user-property takes NAME "
                    + "VALUE). Repeatable.")
    List<MqttPropertyOptions.Entry> properties = new ArrayList<>();

    MqttVersion version() {
        return switch (protocolVersion) {
            case "mqttv5", "5" -> MqttVersion.MQTT_5;
            case "mqttv311", "311" -> MqttVersion.MQTT_3_1_1;
            default -> throw new ParameterException(spec.commandLine(),
                    "-V must be mqttv5 or mqttv311, not '" + protocolVersion + "'");
        };
    }

    boolean usesTls() {
        return tls || caFile != null || certFile != null;
    }

    /** A builder with these options: no automatic reconnect, a command wants to hear of a failure. */
    MidgeClient.Builder builder(Duration connectTimeout) {
        MqttVersion version = version();
        MidgeClient.Builder b = MidgeClient.builder()
                .host(host)
                .port(port != null ? port : usesTls() ? 8883 : 1883)
                .version(version)
                .keepAlive(keepAlive)
                .reconnect(ReconnectPolicy.none())
                .connectTimeout(connectTimeout);
        if (clientId != null) {
            b.clientId(clientId);
        }
        if (username != null || password != null) {
            b.credentials(username, password);
        }
        if (persistentSession) {
            if (clientId == null) {
                throw new ParameterException(spec.commandLine(), "-c needs a client identifier (-i)");
            }
            b.cleanStart(false);
            if (version.isV5()) {
                b.sessionExpiryInterval(0xFFFFFFFFL);
            }
        }
        if (usesTls()) {
            if ((certFile == null) != (keyFile == null)) {
                throw new ParameterException(spec.commandLine(), "--cert and --key go together");
            }
            TlsSettings.Builder t = TlsSettings.builder().verifyHostname(!insecure);
            if (caFile != null) {
                t.caFile(caFile);
            }
            if (certFile != null) {
                t.clientCertificate(certFile, keyFile);
            }
            b.tls(t.build());
        }
        if (webSocketPath != null) {
            b.webSocket(webSocketPath);
        }
        MqttPropertyOptions.applyConnect(properties, b, spec);
        return b;
    }
}
