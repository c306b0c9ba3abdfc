package io.midge.broker.protocol;

import io.midge.codec.MqttCodecException;
import io.midge.codec.protocol.ReasonCode;

/**
 * The topic aliases a 5.0 client set on its connection (MQTT 5.0 section 3.3.2.3.4): a PUBLISH with a topic and an
 * alias sets the alias, one with an empty topic and an alias uses it. Aliases live as long as the connection.
 */
final class InboundTopicAliases {
    private final String[] topics; // by alias; index 0 unused, as alias 0 is never valid

    /** @param maximum the Topic Alias Maximum the broker advertised (0: none allowed) */
    InboundTopicAliases(int maximum) {
        this.topics = new String[maximum + 1];
    }

    /** The topic a PUBLISH with this topic and alias is for; throws what the client did wrong. */
    String resolve(String topic, int alias) {
        if (alias >= topics.length) {
            throw new MqttCodecException(ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-9",
                    "Topic Alias " + alias + " is above the Topic Alias Maximum " + (topics.length - 1));
        }
        if (!topic.isEmpty()) {
            topics[alias] = topic;
            return topic;
        }
        String known = topics[alias];
        if (known == null) {
            throw MqttCodecException.protocolError("§3.3.2.3.4", "Topic Alias " + alias + " is not set");
        }
        return known;
    }
}
