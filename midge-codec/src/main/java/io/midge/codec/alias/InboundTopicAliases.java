package io.midge.codec.alias;

import io.midge.codec.MqttCodecException;
import io.midge.codec.protocol.ReasonCode;
import java.util.Arrays;

/**
 * The topic aliases the other side set on one connection (MQTT 5.0 section 3.3.2.3.4): a PUBLISH with a topic and an
 * alias sets the alias, one with an empty topic and an alias uses it. Broker and client keep one each, made anew for
 * every connection, as aliases die with it. Not thread-safe: a connection's event loop owns it.
 */
public final class InboundTopicAliases {
    /** Topics by alias, grown as aliases are set: a maximum of 65535 need not cost 256 KiB per connection. */
    private String[] topics = new String[16];
    private final int maximum;
    private final String aboveMaximumRule;

    private InboundTopicAliases(int maximum, String aboveMaximumRule) {
        if (maximum < 0 || maximum > 65535) {
            throw new IllegalArgumentException("Topic Alias Maximum out of range 0-65535: " + maximum);
        }
        this.maximum = maximum;
        this.aboveMaximumRule = aboveMaximumRule;
    }

    /**
     * The table a server keeps of its client's aliases.
     *
     * @param maximum the Topic Alias Maximum the server sent in CONNACK (0: the client may use none)
     */
    public static InboundTopicAliases inServer(int maximum) {
        return new InboundTopicAliases(maximum, "MQTT-3.3.2-9");
    }

    /**
     * The table a client keeps of its server's aliases.
     *
     * @param maximum the Topic Alias Maximum the client sent in CONNECT (0: the server may use none)
     */
    public static InboundTopicAliases inClient(int maximum) {
        return new InboundTopicAliases(maximum, "MQTT-3.3.2-11");
    }

    /** The highest alias the other side may use. */
    public int maximum() {
        return maximum;
    }

    /**
     * The topic a PUBLISH with this Topic Name and Topic Alias property is for, setting the alias when the name is not
     * empty. Call it only for a PUBLISH that has the property.
     *
     * @throws MqttCodecException with Topic Alias invalid (0x94) for alias 0 or one above the maximum, with Protocol
     *                             Error (0x82) for an empty name and an alias not set on this connection
     */
    public String resolve(String topic, int alias) {
        if (alias == 0) {
            throw new MqttCodecException(ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8", "Topic Alias is 0");
        }
        if (alias < 0 || alias > maximum) {
            throw new MqttCodecException(ReasonCode.TOPIC_ALIAS_INVALID, aboveMaximumRule,
                    "Topic Alias " + alias + " is above the Topic Alias Maximum " + maximum);
        }
        if (!topic.isEmpty()) {
            if (alias >= topics.length) {
                topics = Arrays.copyOf(topics, Math.min(Math.max(topics.length * 2, alias + 1), maximum + 1));
            }
            topics[alias] = topic;
            return topic;
        }
        String known = alias < topics.length ? topics[alias] : null;
        if (known == null) {
            throw MqttCodecException.protocolError("§3.3.2.3.4", "Topic Alias " + alias + " is not set");
        }
        return known;
    }
}
