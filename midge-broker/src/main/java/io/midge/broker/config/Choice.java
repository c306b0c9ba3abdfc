package io.midge.broker.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** One of a few values, each written as a word in the file ({@code drop-new}, {@code interval}, {@code debug}). */
final class Choice<T> implements ValueType<T> {
    private final Map<String, T> byName;
    /**
     * How the alternatives are listed in messages: "one of a, b, c" or "a, b or c". Both wordings are in use and
     * people match on messages, so each choice keeps the one it has always had.
     */
    private final boolean listed;

    private Choice(Map<String, T> byName, boolean listed) {
        this.byName = byName;
        this.listed = listed;
    }

    /** Values named in the file as {@code name} says, listed "a, b or c". */
    static <T> Choice<T> of(List<T> values, Function<T, String> name) {
        Map<String, T> byName = new LinkedHashMap<>();
        for (T value : values) {
            byName.put(name.apply(value), value);
        }
        return new Choice<>(byName, false);
    }

    /** An enum's constants, each written in lower case with hyphens ({@code DROP_NEW} is {@code drop-new}). */
    static <E extends Enum<E>> Choice<E> of(Class<E> type) {
        return of(List.of(type.getEnumConstants()), e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /** Texts, each its own name. */
    static Choice<String> ofTexts(String... values) {
        return of(List.of(values), Function.identity());
    }

    /** The same choice, listed "one of a, b, c" in messages. */
    Choice<T> listedAsOneOf() {
        return new Choice<>(byName, true);
    }

    List<String> names() {
        return new ArrayList<>(byName.keySet());
    }

    private String alternatives() {
        List<String> names = names();
        if (listed) {
            return "one of " + String.join(", ", names);
        }
        int last = names.size() - 1;
        return last == 0 ? names.get(0) : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
    }

    @Override
    public T read(YamlValue value) {
        String text = value.scalar(alternatives());
        T chosen = byName.get(text);
        if (chosen == null) {
            throw value.wrong("must be " + alternatives() + ", not '" + text + "'");
        }
        return chosen;
    }

    @Override
    public String problem(T value) {
        return byName.containsValue(value) ? null : "must be " + alternatives() + ", not '" + value + "'";
    }

    @Override
    public String show(T value) {
        for (Map.Entry<String, T> e : byName.entrySet()) {
            if (e.getValue().equals(value)) {
                return e.getKey();
            }
        }
        return String.valueOf(value);
    }
}
