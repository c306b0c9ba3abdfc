package io.midge.broker.sys;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The broker's version as Maven wrote it into {@code version.properties} when it built the jar. */
public final class BrokerVersion {
    private static final String RESOURCE = "version.properties";

    private BrokerVersion() {
    }

    /**
     * {@code midge 0.1.0}, say; {@code midge (unknown version)} when the resource is missing or was not filtered
     * (classes run from an IDE that skipped Maven): a status topic is no reason to stop a broker.
     */
    static String text() {
        String version = number();
        return version == null ? "midge (unknown version)" : "midge " + version;
    }

    /** {@code 0.1.0}, say; null when unknown (see {@link #text}). */
    public static String number() {
        Properties properties = new Properties();
        try (InputStream in = BrokerVersion.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // unreadable: unknown, as below
        }
        String version = properties.getProperty("version", "");
        return version.isBlank() || version.contains("${") ? null : version;
    }
}
