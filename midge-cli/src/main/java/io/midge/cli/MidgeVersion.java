package io.midge.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version Maven wrote into {@code version.properties} when it built this jar. */
public final class MidgeVersion implements IVersionProvider {

    private static final String RESOURCE = "version.properties";

    /** The project version, such as {@code 0.1.0}. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = MidgeVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        String version = properties.getProperty("version", "");
        if (version.isBlank() || version.contains("${")) {
            throw new IllegalStateException(RESOURCE + " was not filtered by Maven: version=" + version);
        }
        return version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"midge " + version()};
    }
}
