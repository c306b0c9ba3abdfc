package io.midge.codec.property;

import java.util.Objects;

/** A User Property: a name and value pair that may appear any number of times, in the order given. */
public record UserProperty(String name, String value) {
    public UserProperty {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
