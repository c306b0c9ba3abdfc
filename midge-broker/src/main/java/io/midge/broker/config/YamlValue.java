package io.midge.broker.config;

import java.nio.file.Path;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * One value in the configuration file and the key it was given under ("port", "listeners[0].tls.ca"): what a
 * {@link ValueType} needs to read it and to say where it is wrong.
 */
final class YamlValue {
    private final YamlSource source;
    private final Node node;
    private final String key;

    YamlValue(YamlSource source, Node node, String key) {
        this.source = source;
        this.node = node;
        this.key = key;
    }

    YamlSource source() {
        return source;
    }

    Node node() {
        return node;
    }

    String key() {
        return key;
    }

    /** The value's text; {@code what} says what was expected ("a number"), should it be a list or a mapping. */
    String scalar(String what) {
        return source.scalar(node, what + " for '" + key + "'");
    }

    /** The mistake of this value: {@code problem} follows the key's name ("must be a list"). */
    ConfigException wrong(String problem) {
        return new ConfigException(source.at(node) + ": '" + key + "' " + problem);
    }

    /** A file name as given in the configuration, taken from the configuration file's directory when relative. */
    Path resolve(String name) {
        return source.resolve(name);
    }
}
