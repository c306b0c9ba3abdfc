package io.midge.broker.config;

import java.nio.file.Path;

/** A file the broker reads; a relative name is taken from the configuration file's directory. */
final class FileName implements ValueType<Path> {

    @Override
    public Path read(YamlValue value) {
        String text = value.scalar("a file name");
        if (text.isBlank()) {
            throw value.wrong("must name a file");
        }
        return value.resolve(text);
    }

    @Override
    public String show(Path value) {
        return value.toString();
    }
}
