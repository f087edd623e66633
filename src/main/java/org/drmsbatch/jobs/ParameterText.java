package org.drmsbatch.jobs;

import java.util.Map;

/**
 * The text of a launch's job parameters (name to value as given), with the checked conversions jobs share. Every
 * refusal is an {@link IllegalArgumentException} that names the parameter and says why.
 */
public record ParameterText(Map<String, String> values) {

    public ParameterText {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    /** The value, or null when absent or blank. */
    public String get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** The value, or {@code dflt} when absent or blank. */
    public String get(String name, String dflt) {
        String v = get(name);
        return v == null ? dflt : v;
    }

    /** A finite number; {@code dflt} when absent. */
    public double number(String name, double dflt) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + ": '" + v + "' is not a finite number");
    }

    /** {@code true} or {@code false} (any case); {@code dflt} when absent. */
    public boolean flag(String name, boolean dflt) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": '" + v + "' is neither true nor false");
        };
    }

    /** A whole number in {@code [min, max]}; {@code dflt} when absent. */
    public long integer(String name, long dflt, long min, long max) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + n + " is outside " + min + ".." + max);
        }
        return n;
    }
}
