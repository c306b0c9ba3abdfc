package io.midge.broker.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads a YAML configuration file over the defaults. Every key is known ({@link ConfigKeys}) and every value
 * checked: a mistake stops the start with a message that names the file, the line and the key, never a silent
 * default.
 */
public final class ConfigLoader {
    /** The nested sections of keys (their keys are {@code http.*} and {@code cluster.*} in {@link ConfigKeys}). */
    private static final List<String> SECTIONS = List.of("http", "cluster");

    private final YamlSource source;

    private ConfigLoader(YamlSource source) {
        this.source = source;
    }

    public static BrokerConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read the configuration file: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    /**
     * Parses YAML text; {@code file} names it in error messages, and relative file names in it are taken from the
     * file's directory.
     */
    public static BrokerConfig parse(String file, String text) {
        return new ConfigLoader(new YamlSource(file)).parse(text);
    }

    private BrokerConfig parse(String text) {
        BrokerConfig.Builder b = BrokerConfig.builder();
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(source.file()).build()).composeString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException(source.file() + ": not valid YAML: " + e.getMessage());
        }
        if (root.isEmpty()) {
            return b.build();
        }
        if (!(root.get() instanceof MappingNode mapping)) {
            throw new ConfigException(source.at(root.get())
                    + ": the configuration must be a mapping of keys to values");
        }
        List<String> seen = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String name = source.scalar(tuple.getKeyNode(), "a key");
            if (SECTIONS.contains(name)) {
                readSection(b, name, tuple, seen);
                continue;
            }
            if (seen.contains(name)) {
                throw new ConfigException(source.at(tuple.getKeyNode()) + ": key '" + name + "' is given twice");
            }
            seen.add(name);
            ConfigKey<?> key = ConfigKeys.named(name);
            if (key == null) {
                throw new ConfigException(source.at(tuple.getKeyNode()) + ": unknown key '" + name
                        + "' (the README lists every key)");
            }
            read(b, key, new YamlValue(source, tuple.getValueNode(), name));
        }
        if (seen.contains(ConfigKeys.LISTENERS.name())
                && (seen.contains(ConfigKeys.HOST.name()) || seen.contains(ConfigKeys.PORT.name()))) {
            throw new ConfigException(source.at(mapping) + ": 'host' and 'port' describe the one listener of a "
                    + "configuration without 'listeners'; with 'listeners', give each listener its own");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // What no single value shows, such as two listeners of one name.
            throw new ConfigException(source.file() + ": " + e.getMessage());
        }
    }

    /**
     * A section ({@code http:}) whose keys are in the table as {@code http.host}, ...: read as if written so, so
     * that the table, the checks and the README's rows stay the one place that knows them.
     */
    private void readSection(BrokerConfig.Builder b, String section, NodeTuple tuple, List<String> seen) {
        for (NodeTuple inner : source.entries(section, tuple.getValueNode())) {
            String name = section + "." + source.scalar(inner.getKeyNode(), "a key");
            if (seen.contains(name)) {
                throw new ConfigException(source.at(inner.getKeyNode()) + ": key '" + name + "' is given twice");
            }
            seen.add(name);
            ConfigKey<?> key = ConfigKeys.named(name);
            if (key == null) {
                throw new ConfigException(source.at(inner.getKeyNode()) + ": unknown key '" + name
                        + "' (the README lists every key)");
            }
            read(b, key, new YamlValue(source, inner.getValueNode(), name));
        }
    }

    private static <T> void read(BrokerConfig.Builder b, ConfigKey<T> key, YamlValue value) {
        b.set(key, key.read(value));
    }
}
