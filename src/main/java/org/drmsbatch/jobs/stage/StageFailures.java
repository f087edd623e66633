package org.drmsbatch.jobs.stage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The units a staging request could not stage, and why, as the text kept in an ExecutionContext: one line per
 * unit, {@code <sunum> TAB <reason>}.
 */
final class StageFailures {

    private StageFailures() {
    }

    static String format(Map<Long, String> failures) {
        StringBuilder sb = new StringBuilder();
        failures.forEach((sunum, reason) -> sb.append(sunum).append('\t')
                .append(reason.replaceAll("[\\t\\r\\n]+", " ")).append('\n'));
        return sb.toString();
    }

    static Map<Long, String> parse(String text) {
        Map<Long, String> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                out.put(Long.parseLong(line.substring(0, tab)), line.substring(tab + 1));
            }
        }
        return out;
    }
}
