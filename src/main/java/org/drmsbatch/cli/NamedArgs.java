package org.drmsbatch.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** DRMS-style {@code name=value} arguments ({@code ds=hmi.M_45s n=10 key=T_REC}); other words are kept in order. */
final class NamedArgs {

    final Map<String, String> named = new LinkedHashMap<>();
    final List<String> words = new ArrayList<>();

    NamedArgs(List<String> args) {
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq > 0 && a.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                named.put(a.substring(0, eq), a.substring(eq + 1));
            } else {
                words.add(a);
            }
        }
    }

    String get(String name) {
        for (Map.Entry<String, String> e : named.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Removes and returns a named argument, case-insensitively. */
    String take(String name) {
        for (String k : List.copyOf(named.keySet())) {
            if (k.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return named.remove(k);
            }
        }
        return null;
    }

    static List<String> list(String commaList) {
        List<String> out = new ArrayList<>();
        if (commaList == null) {
            return out;
        }
        for (String s : commaList.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
