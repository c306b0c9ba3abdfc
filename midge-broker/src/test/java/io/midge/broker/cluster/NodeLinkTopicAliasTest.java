package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeMarks;
import io.midge.codec.packet.Auth;
import io.midge.codec.packet.ConnAck;
import io.midge.codec.packet.Connect;
import io.midge.codec.packet.Publish;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.TopicAliasOnly;
import io.midge.codec.protocol.Binary;
import io.midge.codec.protocol.ReasonCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The sending end of a node's link sets topic aliases (MQTT 5.0 section 3.3.2.3.4): a link over an EmbeddedChannel,
 * taken through the secret's proof to a CONNACK with a Topic Alias Maximum, then given the queue's deliveries.
 */
class NodeLinkTopicAliasTest {
    private static final LinkSecret SECRET = new LinkSecret("midge", "right");
    private final Map<NodeLink, EmbeddedChannel> channels = new HashMap<>();

    @AfterEach
    void close() {
        for (EmbeddedChannel ch : channels.values()) {
            ch.finishAndReleaseAll();
        }
    }

    /** A link from node a to node b, up: b's CONNACK proved the secret and gave this Topic Alias Maximum (0: none). */
    private NodeLink up(int topicAliasMaximum) {
        boolean[] connected = new boolean[1];
        NodeLink link = new NodeLink("b", "127.0.0.1:1", "a", SECRET, new NodeLink.Events() {
            @Override
            public void connected(NodeLink l, EventLoop loop) {
                connected[0] = true;
            }

            @Override
            public void closed(NodeLink l) {
            }
        }, new BrokerMetrics(), 100);
        EmbeddedChannel ch = new EmbeddedChannel(link);
        channels.put(link, ch);
        Connect connect = ch.readOutbound();
        byte[] clientNonce = connect.properties().binary(PropertyId.AUTHENTICATION_DATA).toByteArray();
        byte[] serverNonce = LinkSecret.nonce();
        ch.writeInbound(new Auth(ReasonCode.CONTINUE_AUTHENTICATION, MqttProperties.builder()
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA, Binary.of(serverNonce)).build()));
        assertThat((Object) ch.readOutbound()).isInstanceOf(Auth.class);
        MqttProperties.Builder props = MqttProperties.builder()
                .add(PropertyId.AUTHENTICATION_METHOD, LinkAuthenticator.METHOD)
                .add(PropertyId.AUTHENTICATION_DATA, Binary.of(SECRET.proof("server", connect.clientId(),
                        clientNonce, serverNonce)));
        if (topicAliasMaximum > 0) {
            props.add(PropertyId.TOPIC_ALIAS_MAXIMUM, topicAliasMaximum);
        }
        ch.writeInbound(new ConnAck(false, ReasonCode.SUCCESS, props.build()));
        assertThat(connected[0]).as("the link is up").isTrue();
        return link;
    }

    /** What the link writes for a QoS 0 delivery of a message on this topic (and these properties). */
    private Publish send(NodeLink link, String topic, MqttProperties props) {
        Message m = new Message(topic, 0, false, Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII), props,
                Message.NEVER, "publisher");
        link.sendPublish(new Delivery(m, 0, false, new int[0]), 0, false);
        EmbeddedChannel ch = channels.get(link);
        ch.flushOutbound();
        Publish p = ch.readOutbound();
        p.release();
        return p;
    }

    private static long alias(Publish p) {
        return p.properties().number(PropertyId.TOPIC_ALIAS, 0);
    }

    @Test
    @DisplayName("A topic's first PUBLISH sets an alias (topic and alias), its next ones use it (empty topic, the "
            + "alias only: §3.3.2.3.4), and an alias-only PUBLISH has the alias's shared properties")
    void repeatedTopicGoesAsItsAlias() {
        NodeLink link = up(65_535);
        Publish first = send(link, "t/1", MqttProperties.EMPTY);
        Publish second = send(link, "t/1", MqttProperties.EMPTY);
        Publish other = send(link, "t/2", MqttProperties.EMPTY);
        Publish third = send(link, "t/1", MqttProperties.EMPTY);
        assertThat(first.topic()).isEqualTo("t/1");
        assertThat(alias(first)).isEqualTo(1);
        assertThat(second.topic()).isEmpty();
        assertThat(second.properties()).isSameAs(TopicAliasOnly.of(1));
        assertThat(other.topic()).isEqualTo("t/2");
        assertThat(alias(other)).isEqualTo(2);
        assertThat(third.topic()).isEmpty();
        assertThat(third.properties()).isSameAs(TopicAliasOnly.of(1));
    }

    @Test
    @DisplayName("A message's own properties and the link's mark stay, the alias goes beside them, and the mark is "
            + "still the last user property")
    void aliasGoesBesideTheMessagesProperties() {
        NodeLink link = up(10);
        MqttProperties own = MqttProperties.builder().userProperty("k", "v").build();
        send(link, "t/p", own);
        Message m = new Message("t/p", 0, false, Unpooled.copiedBuffer("y", StandardCharsets.US_ASCII), own,
                Message.NEVER, "publisher").withForwardId(7);
        link.sendPublish(new Delivery(m, 0, false, new int[0]), 0, false);
        EmbeddedChannel ch = channels.get(link);
        ch.flushOutbound();
        Publish marked = ch.readOutbound();
        marked.release();
        assertThat(marked.topic()).isEmpty();
        assertThat(alias(marked)).isEqualTo(1);
        assertThat(marked.properties().userProperties().get(0).name()).isEqualTo("k");
        assertThat(NodeMarks.forwardId(NodeMarks.of(marked.properties()))).isEqualTo(7);
    }

    @Test
    @DisplayName("Aliases die with the connection (MQTT-3.3.2-7): a new link sets them again, topic and alias, for "
            + "what the queue sends again (DUP) as for new messages")
    void newLinkStartsOver() {
        NodeLink before = up(65_535);
        send(before, "t/1", MqttProperties.EMPTY);
        assertThat(send(before, "t/1", MqttProperties.EMPTY).topic()).isEmpty();
        NodeLink after = up(65_535);
        Message m = new Message("t/1", 1, false, Unpooled.copiedBuffer("z", StandardCharsets.US_ASCII),
                MqttProperties.EMPTY, Message.NEVER, "publisher");
        after.sendPublish(new Delivery(m, 1, false, new int[0]), 5, true);
        EmbeddedChannel ch = channels.get(after);
        ch.flushOutbound();
        Publish resent = ch.readOutbound();
        resent.release();
        assertThat(resent.dup()).isTrue();
        assertThat(resent.topic()).isEqualTo("t/1");
        assertThat(alias(resent)).isEqualTo(1);
        assertThat(send(after, "t/1", MqttProperties.EMPTY).topic()).isEmpty();
    }

    @Test
    @DisplayName("No alias above the other node's Topic Alias Maximum (MQTT-3.3.2-9): with all taken a new topic goes "
            + "in full, every time; none at all when CONNACK gave none")
    void exhaustedAliasesSendTheTopic() {
        NodeLink link = up(1);
        assertThat(alias(send(link, "t/1", MqttProperties.EMPTY))).isEqualTo(1);
        for (int i = 0; i < 2; i++) {
            Publish full = send(link, "t/2", MqttProperties.EMPTY);
            assertThat(full.topic()).isEqualTo("t/2");
            assertThat(full.properties().contains(PropertyId.TOPIC_ALIAS)).isFalse();
        }
        assertThat(send(link, "t/1", MqttProperties.EMPTY).topic()).isEmpty();

        NodeLink none = up(0);
        for (int i = 0; i < 2; i++) {
            Publish full = send(none, "t/1", MqttProperties.EMPTY);
            assertThat(full.topic()).isEqualTo("t/1");
            assertThat(full.properties()).isSameAs(MqttProperties.EMPTY);
        }
    }
}
