package io.midge.broker.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The commented example configuration shipped as {@code config/midge.yaml}: every key of {@link ConfigKeys} with its
 * meaning and its default, commented out, so that the file starts a broker with the defaults and shows what each
 * line would change. Generated, like the README's table, so that it cannot drift from the keys the broker reads.
 */
public final class ExampleConfigFile {
    private static final int WIDTH = 100;
    private static final String NOT_SET = "        # not set unless given";
    /** {@code listeners} has no default to show (without it, {@code host} and {@code port} make the one listener). */
    private static final String LISTENERS_EXAMPLE = """
            #  - name: plain
            #    port: 1883
            #  - name: secure
            #    transport: tls
            #    port: 8883
            #    tls:
            #      cert: server.pem
            #      key: server-key.pem
            #  - name: browsers
            #    transport: ws
            #    port: 8083
            #    path: /mqtt""";

    private ExampleConfigFile() {
    }

    /** The file's text. */
    public static String text() {
        StringBuilder out = new StringBuilder("""
                # Midge configuration: every key, with its meaning and its default, commented out.
                # Remove the '#' in front of a key to change it; what stays commented keeps its default.
                # Check a file without starting the broker: midge broker --check-config midge.yaml
                # Flags (--port, --data-dir, ...) and MIDGE_* environment variables override this file.
                """);
        ConfigArea area = null;
        String section = null;
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (key.area() != area) {
                area = key.area();
                out.append("\n# ---- ").append(area.name().toLowerCase()).append(" ----\n");
            }
            int dot = key.name().indexOf('.');
            String keySection = dot < 0 ? null : key.name().substring(0, dot);
            if (keySection != null && !keySection.equals(section)) {
                out.append("#").append(keySection).append(":\n");
            }
            section = keySection;
            String indent = keySection == null ? "" : "  ";
            for (String line : wrap(key.description(), WIDTH - indent.length() - 2)) {
                out.append("#").append(indent).append(" ").append(line).append('\n');
            }
            out.append("#").append(indent).append(key.name().substring(dot + 1)).append(':');
            out.append(shown(key)).append('\n');
        }
        return out.toString();
    }

    private static <T> String shown(ConfigKey<T> key) {
        if (key == ConfigKeys.LISTENERS) {
            return NOT_SET + "; for example:\n" + LISTENERS_EXAMPLE;
        }
        T value = key.defaultValue();
        return value == null ? NOT_SET : " " + key.type().show(value);
    }

    /** Splits a description into lines of at most {@code width} characters, at spaces. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
