package io.midge.broker.config;

/** Any text: an address, a prefix. */
final class Text implements ValueType<String> {

    @Override
    public String read(YamlValue value) {
        return value.scalar("a text value");
    }

    @Override
    public String show(String value) {
        return value;
    }
}
