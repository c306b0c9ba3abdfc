package io.midge.codec.property;

import io.midge.codec.protocol.Binary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The MQTT 5 properties of one packet (or of a will), immutable, in wire order so that a decoded packet encodes to
 * the same bytes. Numeric values are {@code Long}, strings {@code String}, binary data {@link Binary}, and user
 * properties {@link UserProperty}. Most packets carry none: {@link #EMPTY} costs nothing.
 */
public final class MqttProperties {
    public static final MqttProperties EMPTY = new MqttProperties(new Property[0]);

    /** One property as it appeared on the wire. */
    public record Property(PropertyId id, Object value) {
        public Property {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(value, "value");
            Class<?> expected = switch (id.type()) {
                case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> Long.class;
                case UTF8_STRING -> String.class;
                case BINARY_DATA -> Binary.class;
                case UTF8_STRING_PAIR -> UserProperty.class;
            };
            if (!expected.isInstance(value)) {
                throw new IllegalArgumentException(id + " takes a " + expected.getSimpleName() + ", not " + value);
            }
        }
    }

    private final Property[] properties;

    private MqttProperties(Property[] properties) {
        this.properties = properties;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these properties, to add or replace some. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.list.addAll(Arrays.asList(properties));
        return builder;
    }

    public boolean isEmpty() {
        return properties.length == 0;
    }

    public int size() {
        return properties.length;
    }

    /** The property at a position, in wire order; with {@link #size()} a way to walk them without a copy. */
    public Property get(int index) {
        return properties[index];
    }

    public List<Property> asList() {
        return List.of(properties);
    }

    public boolean contains(PropertyId id) {
        for (Property p : properties) {
            if (p.id == id) {
                return true;
            }
        }
        return false;
    }

    private Object first(PropertyId id) {
        for (Property p : properties) {
            if (p.id == id) {
                return p.value;
            }
        }
        return null;
    }

    /** The value of a numeric property, or empty when absent. */
    public OptionalLong number(PropertyId id) {
        Object value = first(id);
        return value == null ? OptionalLong.empty() : OptionalLong.of((Long) value);
    }

    /** The value of a numeric property, or the default when absent. */
    public long number(PropertyId id, long defaultValue) {
        Object value = first(id);
        return value == null ? defaultValue : (Long) value;
    }

    /** The value of a string property, or null when absent. */
    public String string(PropertyId id) {
        return (String) first(id);
    }

    /** The value of a binary property, or null when absent. */
    public Binary binary(PropertyId id) {
        return (Binary) first(id);
    }

    public List<UserProperty> userProperties() {
        List<UserProperty> result = new ArrayList<>();
        for (Property p : properties) {
            if (p.id == PropertyId.USER_PROPERTY) {
                result.add((UserProperty) p.value);
            }
        }
        return result;
    }

    /** Every Subscription Identifier, in order (a PUBLISH carries one per matching subscription). */
    public List<Long> subscriptionIdentifiers() {
        List<Long> result = new ArrayList<>(1);
        for (Property p : properties) {
            if (p.id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                result.add((Long) p.value);
            }
        }
        return result;
    }

    /** These properties and one more, last: one copy of the array, without a builder. */
    public MqttProperties with(Property property) {
        Property[] more = Arrays.copyOf(properties, properties.length + 1);
        more[properties.length] = Objects.requireNonNull(property, "property");
        return new MqttProperties(more);
    }

    /**
     * These properties without any of the given identifiers: these themselves when none is there, {@link #EMPTY}
     * when nothing else is (a PUBLISH with only a Topic Alias, as a node's link sends most, costs no copy).
     */
    public MqttProperties without(PropertyId... ids) {
        int kept = 0;
        for (Property p : properties) {
            if (!isAny(p.id, ids)) {
                kept++;
            }
        }
        if (kept == properties.length) {
            return this;
        }
        if (kept == 0) {
            return EMPTY;
        }
        Property[] rest = new Property[kept];
        int i = 0;
        for (Property p : properties) {
            if (!isAny(p.id, ids)) {
                rest[i++] = p;
            }
        }
        return new MqttProperties(rest);
    }

    private static boolean isAny(PropertyId id, PropertyId[] ids) {
        for (PropertyId candidate : ids) {
            if (id == candidate) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttProperties other && Arrays.equals(properties, other.properties);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(properties);
    }

    @Override
    public String toString() {
        return Arrays.toString(properties);
    }

    /** Collects properties in the order they are to be written. */
    public static final class Builder {
        private final List<Property> list = new ArrayList<>();

        private Builder() {
        }

        public Builder add(PropertyId id, long value) {
            list.add(new Property(id, value));
            return this;
        }

        public Builder add(PropertyId id, String value) {
            list.add(new Property(id, value));
            return this;
        }

        public Builder add(PropertyId id, Binary value) {
            list.add(new Property(id, value));
            return this;
        }

        public Builder add(Property property) {
            list.add(property);
            return this;
        }

        public Builder userProperty(String name, String value) {
            list.add(new Property(PropertyId.USER_PROPERTY, new UserProperty(name, value)));
            return this;
        }

        /** Replaces every occurrence of the property with one value, keeping its position when it was there. */
        public Builder set(PropertyId id, Object value) {
            Property replacement = new Property(id, value);
            int at = -1;
            for (int i = list.size() - 1; i >= 0; i--) {
                if (list.get(i).id() == id) {
                    list.remove(i);
                    at = i;
                }
            }
            if (at < 0) {
                list.add(replacement);
            } else {
                list.add(at, replacement);
            }
            return this;
        }

        public MqttProperties build() {
            return list.isEmpty() ? EMPTY : new MqttProperties(list.toArray(new Property[0]));
        }
    }
}
