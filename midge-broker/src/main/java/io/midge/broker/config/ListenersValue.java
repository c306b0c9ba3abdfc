package io.midge.broker.config;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** The {@code listeners} section: a list of listeners, each a mapping of its own keys ({@link ListenerReader}). */
final class ListenersValue implements ValueType<List<ListenerConfig>> {

    @Override
    public List<ListenerConfig> read(YamlValue value) {
        if (!(value.node() instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw value.wrong("must be a list of listeners, each a mapping");
        }
        ListenerReader reader = new ListenerReader(value.source());
        List<ListenerConfig> listeners = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            listeners.add(reader.listener(value.key() + "[" + i + "]", seq.getValue().get(i)));
        }
        return List.copyOf(listeners);
    }

    @Override
    public String show(List<ListenerConfig> value) {
        return value.toString();
    }

    @Override
    public String markdown(List<ListenerConfig> value) {
        // None configured: one TCP listener on host and port.
        return value.isEmpty() ? "none" : ValueType.super.markdown(value);
    }

    @Override
    public List<ListenerConfig> keep(List<ListenerConfig> value) {
        return List.copyOf(value);
    }
}
