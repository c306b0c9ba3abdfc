package io.midge.broker.config;

import java.util.Locale;

/** true or false: nothing else (not yes, no, on, off or 1), so that a value means what it says. */
final class Flag implements ValueType<Boolean> {

    @Override
    public Boolean read(YamlValue value) {
        String text = value.scalar("true or false");
        switch (text.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw value.wrong("must be true or false, not '" + text + "'");
        }
    }

    @Override
    public String show(Boolean value) {
        return value.toString();
    }
}
