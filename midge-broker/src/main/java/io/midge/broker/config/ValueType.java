package io.midge.broker.config;

/**
 * What a key's value is: how it is read from the file, which values are allowed and how a value is written in the
 * README. Problems are worded to follow the key's name ("must be between 0 and 2, not 3") so that a mistake in the
 * file and the same mistake through the builder read alike.
 *
 * @param <T> the value's Java type
 */
interface ValueType<T> {

    /** Reads the value; a mistake throws a {@link ConfigException} that names the file, the line and the key. */
    T read(YamlValue value);

    /** What is wrong with a value of the right Java type (out of range, not one of the choices), or null. */
    default String problem(T value) {
        return null;
    }

    /** The value as it would be written in the configuration file. */
    String show(T value);

    /** The README's default column: the value as written in the file, or "none" where there is none. */
    default String markdown(T value) {
        return value == null ? "none" : "`" + show(value) + "`";
    }

    /** The value as kept in a configuration: a copy where the Java type could change under it (lists). */
    default T keep(T value) {
        return value;
    }
}
