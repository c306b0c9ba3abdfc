package io.midge.broker.config;

import java.nio.file.Path;

/** A directory, taken as given: a relative one is relative to the broker's working directory. */
final class Directory implements ValueType<Path> {

    @Override
    public Path read(YamlValue value) {
        return Path.of(value.scalar("a text value")).normalize();
    }

    @Override
    public String show(Path value) {
        // "./data" rather than "data": the reader sees where a relative directory starts from.
        return value.isAbsolute() ? value.toString() : "./" + value;
    }
}
