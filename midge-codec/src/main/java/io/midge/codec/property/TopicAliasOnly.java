package io.midge.codec.property;

/**
 * The properties of a PUBLISH that carries nothing but a Topic Alias, one shared instance per alias: a sender that
 * repeats a topic as its alias, and a decoder that reads such a PUBLISH, then build no properties per message (a
 * builder, a list, a property and a boxed number cost more than the topic's bytes they replace).
 *
 * <p>Filled as aliases are first asked for, in blocks of 256, so that a JVM that uses a few aliases holds a few. Any
 * thread may ask: two threads that race for an empty slot each build an equal instance and one is kept; an instance
 * seen through the race is whole, as {@link MqttProperties} is immutable with final fields.
 */
public final class TopicAliasOnly {
    private static final int BLOCK = 256;
    private static final MqttProperties[][] BLOCKS = new MqttProperties[65536 / BLOCK][];

    private TopicAliasOnly() {
    }

    /**
     * Topic Alias {@code alias} and nothing else.
     *
     * @throws IllegalArgumentException for an alias outside 1-65535
     */
    public static MqttProperties of(int alias) {
        if (alias < 1 || alias > 65535) {
            throw new IllegalArgumentException("Topic Alias out of range 1-65535: " + alias);
        }
        MqttProperties[] block = BLOCKS[alias / BLOCK];
        if (block == null) {
            block = new MqttProperties[BLOCK];
            BLOCKS[alias / BLOCK] = block;
        }
        MqttProperties p = block[alias % BLOCK];
        if (p == null) {
            p = MqttProperties.builder().add(PropertyId.TOPIC_ALIAS, alias).build();
            block[alias % BLOCK] = p;
        }
        return p;
    }
}
