package io.midge.broker.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** The {@code bridges} section: a list of bridges, each a mapping of its own keys ({@link BridgeReader}). */
final class BridgesValue implements ValueType<List<BridgeConfig>> {

    @Override
    public List<BridgeConfig> read(YamlValue value) {
        if (!(value.node() instanceof SequenceNode seq)) {
            throw value.wrong("must be a list of bridges, each a mapping");
        }
        BridgeReader reader = new BridgeReader(value.source());
        List<BridgeConfig> bridges = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            BridgeConfig b = reader.bridge(value.key() + "[" + i + "]", seq.getValue().get(i));
            if (!names.add(b.name())) {
                throw new ConfigException(value.source().at(seq.getValue().get(i)) + ": '" + value.key() + "[" + i
                        + "]': a second bridge named '" + b.name() + "' (names must be unique)");
            }
            bridges.add(b);
        }
        return List.copyOf(bridges);
    }

    @Override
    public String problem(List<BridgeConfig> value) {
        return value.stream().map(BridgeConfig::name).distinct().count() == value.size() ? null
                : "must name each bridge once";
    }

    @Override
    public String show(List<BridgeConfig> value) {
        return value.toString();
    }

    @Override
    public String markdown(List<BridgeConfig> value) {
        return value.isEmpty() ? "none" : ValueType.super.markdown(value);
    }

    @Override
    public List<BridgeConfig> keep(List<BridgeConfig> value) {
        return List.copyOf(value);
    }
}
