package io.midge.broker.config;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** A list of texts ({@code ['#', '$SYS/#']}); a single text is refused rather than taken for a list of one. */
final class TextList implements ValueType<List<String>> {

    @Override
    public List<String> read(YamlValue value) {
        if (!(value.node() instanceof SequenceNode seq)) {
            throw value.wrong("must be a list");
        }
        List<String> items = new ArrayList<>();
        for (Node item : seq.getValue()) {
            items.add(value.source().scalar(item, "a text item in '" + value.key() + "'"));
        }
        return List.copyOf(items);
    }

    @Override
    public String show(List<String> value) {
        return "[" + String.join(", ", value) + "]";
    }

    @Override
    public List<String> keep(List<String> value) {
        return List.copyOf(value);
    }
}
