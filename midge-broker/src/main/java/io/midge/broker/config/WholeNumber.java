package io.midge.broker.config;

import java.util.function.LongFunction;

/** A whole number within a range, written with or without underscores ({@code 1_000_000}). */
final class WholeNumber<T extends Number> implements ValueType<T> {
    private final long min;
    private final long max;
    private final LongFunction<T> box;

    private WholeNumber(long min, long max, LongFunction<T> box) {
        this.min = min;
        this.max = max;
        this.box = box;
    }

    static WholeNumber<Integer> integer(int min, int max) {
        return new WholeNumber<>(min, max, v -> (int) v);
    }

    static WholeNumber<Long> wide(long min, long max) {
        return new WholeNumber<>(min, max, v -> v);
    }

    @Override
    public T read(YamlValue value) {
        String text = value.scalar("a number").replace("_", "");
        long number;
        try {
            number = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw value.wrong("must be a whole number, not '" + text + "'");
        }
        // Checked before boxing: a number too large for an int must not wrap around into the range.
        String problem = outOfRange(number);
        if (problem != null) {
            throw value.wrong(problem);
        }
        return box.apply(number);
    }

    @Override
    public String problem(T value) {
        return outOfRange(value.longValue());
    }

    private String outOfRange(long number) {
        return number < min || number > max ? "must be between " + min + " and " + max + ", not " + number : null;
    }

    @Override
    public String show(T value) {
        return value.toString();
    }
}
