package org.drmsbatch.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format (version 0.0.4), what a Prometheus server reads from
 * {@code /actuator/prometheus}: {@code # HELP} and {@code # TYPE} lines, then samples {@code name{label="value",...}
 * value [timestamp]}. A line that is none of these, a label value badly escaped, a value that is not a number or a
 * sample of a metric whose TYPE was not given is an {@link IllegalArgumentException} naming the line.
 */
record PrometheusText(List<Sample> samples, Map<String, String> types) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern TYPE = Pattern.compile(
            "# TYPE (" + NAME.pattern() + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ") .*");

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty() || HELP.matcher(line).matches()) {
                continue;
            }
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                types.put(t.group(1), t.group(2));
                continue;
            }
            if (line.startsWith("#")) {
                continue; // a comment
            }
            samples.add(sample(line, n, types));
        }
        return new PrometheusText(samples, types);
    }

    private static Sample sample(String line, int n, Map<String, String> types) {
        Matcher m = NAME.matcher(line);
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("line " + n + ": no metric name: " + line);
        }
        String name = m.group();
        int i = m.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher l = NAME.matcher(line).region(i, line.length());
                if (!l.lookingAt() || line.charAt(l.end()) != '=' || line.charAt(l.end() + 1) != '"') {
                    throw new IllegalArgumentException("line " + n + ": bad label at " + i + ": " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = l.end() + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        switch (e) {
                            case '\\', '"' -> v.append(e);
                            case 'n' -> v.append('\n');
                            default -> throw new IllegalArgumentException("line " + n + ": bad escape: " + line);
                        }
                    } else {
                        v.append(c);
                    }
                }
                labels.put(l.group(), v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).strip().split(" ");
        if (i >= line.length() || line.charAt(i) != ' ' || rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("line " + n + ": no value: " + line);
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        String family = name.replaceAll("_(total|bucket|count|sum|max|created|active_count|duration_sum)$", "");
        if (!types.containsKey(name) && !types.containsKey(family)) {
            throw new IllegalArgumentException("line " + n + ": no # TYPE before " + name);
        }
        return new Sample(name, labels, value);
    }

    /** The samples of a metric whose labels include these. */
    List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** The one sample's value (or the sum of several: e.g. over statuses); empty when there is none. */
    OptionalDouble value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        return found.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of(found.stream().mapToDouble(Sample::value).sum());
    }

    double valueOr0(String name, Map<String, String> labels) {
        return value(name, labels).orElse(0);
    }
}
