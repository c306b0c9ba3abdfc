package io.midge.broker.http;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ConfigKey;
import io.midge.broker.config.ConfigKeys;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/config}: the effective configuration, one entry per key of the README's table (defaults
 * included), written as the configuration file would have it. Secrets (anything named password, passphrase or
 * secret) are left out, at any depth.
 */
final class ConfigResource {
    private ConfigResource() {
    }

    static ApiResponse get(BrokerConfig config) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (!isSecret(key.name())) {
                values.put(key.name(), shown(config.get(key)));
            }
        }
        return ApiResponse.json(values);
    }

    static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password") && !n.endsWith("password-file") || n.contains("passphrase")
                || n.contains("secret");
    }

    /** A value as JSON shows it: paths and choices as text, sections (records) as objects, lists as arrays. */
    private static Object shown(Object value) {
        if (value == null || value instanceof Boolean || value instanceof Number || value instanceof String) {
            return value;
        }
        if (value instanceof Path path) {
            return path.toString();
        }
        if (value instanceof Enum<?> choice) {
            return choice.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        if (value instanceof List<?> list) {
            List<Object> shown = new ArrayList<>();
            for (Object element : list) {
                shown.add(shown(element));
            }
            return shown;
        }
        if (value instanceof Record record) {
            Map<String, Object> shown = new LinkedHashMap<>();
            for (RecordComponent c : record.getClass().getRecordComponents()) {
                if (isSecret(c.getName())) {
                    continue;
                }
                try {
                    c.getAccessor().setAccessible(true);
                    shown.put(c.getName(), shown(c.getAccessor().invoke(record)));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    shown.put(c.getName(), null);
                }
            }
            return shown;
        }
        return value.toString();
    }
}
