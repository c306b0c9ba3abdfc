package io.midge.broker.config;

/** A {@code tls} section outside the listeners (the HTTP listener's), read as a listener's is. */
final class TlsValue implements ValueType<TlsConfig> {

    @Override
    public TlsConfig read(YamlValue value) {
        return new ListenerReader(value.source()).tls(value.key(), value.node());
    }

    @Override
    public String show(TlsConfig value) {
        return value.toString();
    }
}
