package io.midge.broker.config;

/** A configuration the broker cannot start with; the message names the file, the line and the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
