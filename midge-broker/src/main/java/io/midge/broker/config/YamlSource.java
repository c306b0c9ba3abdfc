package io.midge.broker.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The configuration file being read: its name and directory, so that every mistake can say where it is and
 * relative file names in it can be found.
 */
final class YamlSource {
    private final String file;
    /** Where relative file names in the configuration (certificates, password and ACL files) start from. */
    private final Path baseDir;

    YamlSource(String file) {
        this.file = file;
        Path parent = Path.of(file).getParent();
        this.baseDir = parent != null ? parent : Path.of("");
    }

    String file() {
        return file;
    }

    /** The file and the line a node starts on, as error messages begin. */
    String at(Node node) {
        Optional<Mark> mark = node.getStartMark();
        return mark.map(m -> file + ":" + (m.getLine() + 1)).orElse(file);
    }

    /** A file name as given in the configuration, taken from the configuration file's directory when relative. */
    Path resolve(String name) {
        return baseDir.resolve(name).normalize();
    }

    String scalar(Node node, String what) {
        if (!(node instanceof ScalarNode s)) {
            throw new ConfigException(at(node) + ": expected " + what + ", found a " + kind(node));
        }
        return s.getValue();
    }

    private static String kind(Node node) {
        return node instanceof MappingNode ? "mapping" : node instanceof SequenceNode ? "list" : "value";
    }

    /** The entries of a nested mapping ({@code where} names it), each key once. */
    List<NodeTuple> entries(String where, Node node) {
        if (!(node instanceof MappingNode mapping)) {
            throw new ConfigException(at(node) + ": '" + where + "' must be a mapping of keys to values");
        }
        List<NodeTuple> tuples = mapping.getValue();
        List<String> seen = new ArrayList<>();
        for (NodeTuple tuple : tuples) {
            String key = scalar(tuple.getKeyNode(), "a key");
            if (seen.contains(key)) {
                throw new ConfigException(at(tuple.getKeyNode()) + ": key '" + where + "." + key
                        + "' is given twice");
            }
            seen.add(key);
        }
        return tuples;
    }
}
