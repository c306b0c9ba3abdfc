package io.midge.broker.http;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4), for tests: every line is a {@code # HELP}, a
 * {@code # TYPE} or a sample of a family whose TYPE came first; names and labels are checked as the format says.
 * Anything else fails, so a page that Prometheus would not take does not pass either.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile(
            "\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"\\s*(,|$)");
    private static final Pattern TYPES = Pattern.compile("counter|gauge|histogram|summary|untyped");
    private static final String[] SUFFIXES = {"_total", "_bucket", "_count", "_sum", "_created", ""};

    /** Each sample, by its name and labels as written ({@code midge_messages_sent_total{qos="1"}}). */
    final Map<String, Double> samples = new LinkedHashMap<>();
    /** Each family's type, by family name. */
    final Map<String, String> types = new HashMap<>();

    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] words = line.substring(7).split(" ", 2);
                check(NAME.matcher(words[0]).matches(), number, line, "bad metric name");
                if (line.startsWith("# TYPE ")) {
                    check(words.length == 2 && TYPES.matcher(words[1]).matches(), number, line, "bad type");
                    check(parsed.types.put(words[0], words[1]) == null, number, line, "second TYPE");
                }
                continue;
            }
            check(!line.startsWith("#"), number, line, "unknown comment");
            Matcher m = SAMPLE.matcher(line);
            check(m.matches(), number, line, "not a sample");
            check(parsed.family(m.group(1)) != null, number, line, "sample before its TYPE");
            String labels = m.group(3) == null ? "" : m.group(3);
            Matcher l = LABEL.matcher(labels);
            int end = 0;
            while (end < labels.length() && l.find(end) && l.start() == end) {
                end = l.end();
            }
            check(end == labels.length(), number, line, "bad labels");
            double value;
            try {
                value = Double.parseDouble(m.group(4).replace("Inf", "Infinity"));
            } catch (NumberFormatException e) {
                throw new AssertionError("line " + number + ": bad value: " + line);
            }
            String key = m.group(2) == null ? m.group(1) : m.group(1) + m.group(2);
            check(parsed.samples.put(key, value) == null, number, line, "sample given twice");
        }
        return parsed;
    }

    /** The family a sample name belongs to (its name less a suffix such as _total), or null. */
    String family(String sample) {
        for (String suffix : SUFFIXES) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    /** The value of one sample; fails when there is none. */
    double value(String sample) {
        Double v = samples.get(sample);
        if (v == null) {
            throw new AssertionError("no sample " + sample + " among " + samples.keySet());
        }
        return v;
    }

    private static void check(boolean ok, int number, String line, String problem) {
        if (!ok) {
            throw new AssertionError("line " + number + ": " + problem + ": " + line);
        }
    }
}
