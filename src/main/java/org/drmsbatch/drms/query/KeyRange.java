package org.drmsbatch.drms.query;

import java.util.Locale;

import org.drmsbatch.drms.time.DrmsTime;

/**
 * One value or range of a prime-key filter. Values are typed by the key: {@code Long} for integer keys,
 * {@code Double} for float and double keys, {@link TimeValue} for time keys (TAI seconds since
 * 1977.01.01_00:00:00_TAI) and {@code String} for string keys.
 */
public sealed interface KeyRange permits KeyRange.Value, KeyRange.Between, KeyRange.Span, KeyRange.First,
        KeyRange.Last, KeyRange.Indexed {

    /**
     * A sampling step {@code @K}: for time keys in seconds, for numeric keys in the key's units; with
     * {@code slots} true the step counts slots ({@code u} unit). Null when there is none. Prints without a unit
     * (a plain number is seconds on a time key and the key's own units on other keys) or with {@code u}.
     */
    record Step(double amount, boolean slots) {
        @Override
        public String toString() {
            return "@" + number(amount) + (slots ? "u" : "");
        }
    }

    /** {@code V}: key = V. */
    record Value(Object value) implements KeyRange {
        @Override
        public String toString() {
            return text(value);
        }
    }

    /** {@code A-B[@K]}: A ≤ key ≤ B, optionally every K. */
    record Between(Object from, Object to, Step step) implements KeyRange {
        @Override
        public String toString() {
            return text(from) + "-" + text(to) + (step == null ? "" : step.toString());
        }
    }

    /**
     * {@code A/D[@K]}: A ≤ key &lt; A + D, optionally every K. For time keys D is in seconds; with
     * {@code slots} it counts slots ({@code u} unit).
     */
    record Span(Object from, double length, boolean slots, Step step) implements KeyRange {
        @Override
        public String toString() {
            return text(from) + "/" + number(length) + (slots ? "u" : from instanceof TimeValue ? "s" : "")
                    + (step == null ? "" : step.toString());
        }
    }

    /** {@code ^}: the key's smallest value (series-wide when the filter comes first). */
    record First() implements KeyRange {
        @Override
        public String toString() {
            return "^";
        }
    }

    /** {@code $}: the key's largest value (series-wide when the filter comes first). */
    record Last() implements KeyRange {
        @Override
        public String toString() {
            return "$";
        }
    }

    /**
     * Index forms on a prime key ({@code #N}, {@code #N-#M}, {@code #N/C}, {@code #^}, {@code #$}): on a slotted
     * key they address its {@code _index} column, on other keys value = N·step + base.
     */
    record Indexed(IndexRange range) implements KeyRange {
        @Override
        public String toString() {
            return range.toString();
        }
    }

    /** A typed value as query text: times as TAI calendar strings, strings quoted when needed. */
    static String text(Object v) {
        if (v instanceof TimeValue t) {
            return t.toString();
        }
        if (v instanceof String s) {
            return s.matches("[A-Za-z0-9_.:+]*") && !s.isEmpty() ? s
                    : "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
        if (v instanceof Double d) {
            return number(d);
        }
        return String.valueOf(v);
    }

    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d).toLowerCase(Locale.ROOT);
    }

    /** A time value of a time key: prints as a TAI time with enough precision to parse back to the same value. */
    record TimeValue(double tai) {
        @Override
        public String toString() {
            return DrmsTime.format(tai, "TAI", 6);
        }
    }
}
