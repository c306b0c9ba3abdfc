package io.midge.broker.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A value for every key of {@link ConfigKeys}: those given, each checked, and the defaults for the rest. */
final class Settings {
    private final Map<ConfigKey<?>, Object> values;

    Settings(Map<ConfigKey<?>, Object> given) {
        Map<ConfigKey<?>, Object> all = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            all.put(key, given.containsKey(key) ? checked(key, given.get(key)) : key.defaultValue());
        }
        // Not Map.copyOf, which refuses nulls: a setting that is off (no password file) is null.
        this.values = Collections.unmodifiableMap(all);
    }

    private static <T> T checked(ConfigKey<T> key, Object value) {
        // The builder only takes a T for a ConfigKey<T>.
        @SuppressWarnings("unchecked") T typed = (T) value;
        return key.checked(typed);
    }

    <T> T get(ConfigKey<T> key) {
        @SuppressWarnings("unchecked") T value = (T) values.get(key);
        return value;
    }

    /** Every value, to start a builder from. */
    Map<ConfigKey<?>, Object> values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Settings other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
