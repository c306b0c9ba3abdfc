package io.midge.broker.config;

/**
 * One setting of the broker: its key in the configuration file, its type and allowed values, its default and what
 * it means. Every key is declared once, in {@link ConfigKeys}; reading the file, checking values and the README's
 * table of keys all follow from that declaration.
 *
 * @param <T> the value's Java type
 */
public final class ConfigKey<T> {
    private final ConfigArea area;
    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String description;

    ConfigKey(ConfigArea area, String name, ValueType<T> type, T defaultValue, String description) {
        this.area = area;
        this.name = name;
        this.type = type;
        this.description = description;
        // A default that its own key would refuse is a mistake in the table: fail when the class loads.
        this.defaultValue = defaultValue == null ? null : checked(defaultValue);
    }

    /** The key as written in the configuration file. */
    public String name() {
        return name;
    }

    public ConfigArea area() {
        return area;
    }

    /** The value when the configuration does not set one; null for a setting that is off unless given. */
    public T defaultValue() {
        return defaultValue;
    }

    /** What the key means, one line of Markdown, as the README's table shows it. */
    public String description() {
        return description;
    }

    ValueType<T> type() {
        return type;
    }

    /** Reads this key's value from the file; a wrong one stops with the file, the line and the key. */
    T read(YamlValue value) {
        T read = type.read(value);
        String problem = type.problem(read);
        if (problem != null) {
            throw value.wrong(problem);
        }
        return type.keep(read);
    }

    /**
     * A value given in code, checked as the file's would be. Only a key without a default may be null: a default
     * means the broker needs some value there.
     */
    T checked(T value) {
        if (value == null) {
            if (defaultValue != null) {
                throw new IllegalArgumentException("'" + name + "' is required");
            }
            return null;
        }
        String problem = type.problem(value);
        if (problem != null) {
            throw new IllegalArgumentException("'" + name + "' " + problem);
        }
        return type.keep(value);
    }

    /** The README's row of this key. */
    String markdownRow() {
        return "| `" + name + "` | " + type.markdown(defaultValue) + " | " + description + " |";
    }

    @Override
    public String toString() {
        return name;
    }
}
