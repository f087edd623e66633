package org.drmsbatch.drms;

import java.util.Locale;

import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;

/**
 * Conversions of keyword values between DRMS types, with the DRMS status of each conversion, and printing by a
 * keyword's format. A keyword value is held as the Java object of its type: Byte (char), Short, Integer, Long,
 * Float, Double (double and time) or String.
 */
public final class KeywordValues {

    /** The JSD literal meaning "the type's missing value". */
    public static final String MISSING_LITERAL = "DRMS_MISSING_VALUE";

    private KeywordValues() {
    }

    /** Parses text as a value of {@code type}: C base-0 integers, nan, time strings and epoch names, missing literal. */
    public static Converted parse(String text, DrmsType type) {
        if (text == null) {
            return new Converted(type.missing(), KeywordStatus.EXACT);
        }
        String t = text.trim();
        if (t.equalsIgnoreCase(MISSING_LITERAL)) {
            return new Converted(type.missing(), KeywordStatus.EXACT);
        }
        if (type == DrmsType.STRING) {
            return new Converted(text, KeywordStatus.EXACT);
        }
        if (type == DrmsType.TIME) {
            Double epoch = DrmsTime.epoch(t);
            if (epoch != null) {
                return new Converted(epoch, KeywordStatus.EXACT);
            }
            if (t.isEmpty()) {
                return new Converted(type.missing(), KeywordStatus.BAD_STRING);
            }
            try {
                return new Converted(Double.parseDouble(t), KeywordStatus.EXACT);
            } catch (NumberFormatException notNumber) {
                try {
                    return new Converted(DrmsTime.parse(t), KeywordStatus.EXACT);
                } catch (IllegalArgumentException bad) {
                    return new Converted(type.missing(), KeywordStatus.BAD_STRING);
                }
            }
        }
        if (type.isInteger()) {
            java.math.BigInteger b = parseCBigInteger(t);
            if (b != null) {
                return b.bitLength() > 63 ? new Converted(type.missing(), KeywordStatus.RANGE)
                        : convert(b.longValue(), type);
            }
        }
        Double d = parseCDouble(t);
        if (d == null) {
            return new Converted(type.missing(), KeywordStatus.BAD_STRING);
        }
        return convert(d, type);
    }

    /** Converts a value of any keyword type (or a String) to {@code type}. */
    public static Converted convert(Object value, DrmsType type) {
        if (value == null) {
            return new Converted(type.missing(), KeywordStatus.EXACT);
        }
        if (value instanceof String s) {
            return parse(s, type);
        }
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("not a keyword value: " + value.getClass().getName());
        }
        DrmsType source = typeOf(n);
        if (source.isMissing(n)) {
            return new Converted(type.missing(), KeywordStatus.EXACT);
        }
        if (type == DrmsType.STRING) {
            return new Converted(source.isInteger() ? Long.toString(n.longValue()) : Double.toString(n.doubleValue()),
                    KeywordStatus.EXACT);
        }
        if (type.isInteger()) {
            if (source.isInteger()) {
                long v = n.longValue();
                if (v < type.minValue() || v > type.maxValue()) {
                    return new Converted(type.missing(), KeywordStatus.RANGE);
                }
                return new Converted(box(v, type), KeywordStatus.EXACT);
            }
            double d = n.doubleValue();
            if (Double.isInfinite(d)) {
                return new Converted(type.missing(), KeywordStatus.RANGE);
            }
            double r = Math.floor(d + 0.5);
            if (r < type.minValue() || r > type.maxValue()) {
                return new Converted(type.missing(), KeywordStatus.RANGE);
            }
            long v = (long) r;
            return new Converted(box(v, type), r == d ? KeywordStatus.EXACT : KeywordStatus.INEXACT);
        }
        // floating target
        if (source.isInteger()) {
            long v = n.longValue();
            if (type == DrmsType.FLOAT) {
                float f = v;
                return new Converted(f, (long) f == v ? KeywordStatus.EXACT : KeywordStatus.INEXACT);
            }
            double d = v;
            return new Converted(d, (long) d == v ? KeywordStatus.EXACT : KeywordStatus.INEXACT);
        }
        double d = n.doubleValue();
        if (type == DrmsType.FLOAT) {
            if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
                return new Converted(type.missing(), KeywordStatus.RANGE);
            }
            float f = (float) d;
            return new Converted(f, (double) f == d || Double.isNaN(d) ? KeywordStatus.EXACT : KeywordStatus.INEXACT);
        }
        return new Converted(d, KeywordStatus.EXACT);
    }

    /** The DRMS type a boxed value carries (Double maps to DOUBLE; times are Doubles too). */
    public static DrmsType typeOf(Number n) {
        if (n instanceof Byte) {
            return DrmsType.CHAR;
        } else if (n instanceof Short) {
            return DrmsType.SHORT;
        } else if (n instanceof Integer) {
            return DrmsType.INT;
        } else if (n instanceof Long) {
            return DrmsType.LONGLONG;
        } else if (n instanceof Float) {
            return DrmsType.FLOAT;
        }
        return DrmsType.DOUBLE;
    }

    private static Object box(long v, DrmsType type) {
        return switch (type) {
            case CHAR -> (byte) v;
            case SHORT -> (short) v;
            case INT -> (int) v;
            default -> v;
        };
    }

    /** strtoll(text, 0): decimal, 0x hex, leading-0 octal, optional sign; null when the whole text is not one. */
    static Long parseCInteger(String t) {
        java.math.BigInteger b = parseCBigInteger(t);
        if (b == null) {
            return null;
        }
        if (b.bitLength() > 63) {
            return b.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return b.longValue();
    }

    /** The integer a C base-0 literal spells, unbounded; null when the whole text is not one. */
    public static java.math.BigInteger parseCBigInteger(String t) {
        String s = t;
        boolean neg = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return null;
        }
        int radix = 10;
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        try {
            java.math.BigInteger b = new java.math.BigInteger(s, radix);
            return neg ? b.negate() : b;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** strtod: decimal or exponent forms, nan, inf; null when the text is not a number. */
    static Double parseCDouble(String t) {
        String s = t.toLowerCase(Locale.ROOT);
        switch (s) {
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
            }
        }
        if (s.startsWith("0x") || s.startsWith("-0x") || s.startsWith("+0x")) {
            Long l = parseCInteger(t);
            return l == null ? null : l.doubleValue();
        }
        if (s.endsWith("d") || s.endsWith("f")) {
            return null; // Java would accept 1.0d / 1.0f; C does not
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Prints a value as DRMS does with the keyword's format: printf for numbers and strings, zone and precision
     * for times (unit = zone, format = precision). NaN prints as {@code nan}.
     */
    public static String format(Object value, KeywordDef def) {
        DrmsType type = def.type();
        if (value == null) {
            value = type.missing();
        }
        if (type == DrmsType.TIME) {
            double t = ((Number) value).doubleValue();
            if (isIntervalUnit(def.unit())) {
                return Double.toString(t);
            }
            int precision = 0;
            try {
                precision = def.format() == null || def.format().isBlank() ? 0 : Integer.parseInt(def.format().trim());
            } catch (NumberFormatException e) {
                precision = 0;
            }
            String zone = def.unit() == null || def.unit().isBlank() || def.unit().equalsIgnoreCase("none")
                    ? "UTC" : def.unit();
            return DrmsTime.format(t, zone, precision);
        }
        Printf p = printf(def.format(), type);
        if (type.isInteger()) {
            return p.format(((Number) value).longValue(), type == DrmsType.LONGLONG ? 64 : 32);
        } else if (type.isFloating()) {
            return p.format(((Number) value).doubleValue());
        }
        return p.format(String.valueOf(value));
    }

    /**
     * The C printf format a value of {@code type} prints with: the keyword's format when it holds one numeric
     * conversion for a numeric type (integer types take a floating conversion, as DRMS's format check allows; a
     * floating value under an integer conversion prints truncated toward zero, as Python's {@code %d} does, where C
     * would print garbage) or {@code %s} for a string, else {@code %d}, {@code %g} or {@code %s}.
     */
    static Printf printf(String cFormat, DrmsType type) {
        Printf p = Printf.parse(cFormat);
        boolean fits = p != null && (type.isInteger() ? p.isInteger() || p.isFloating()
                : type.isFloating() ? p.isFloating() || p.isInteger() && p.conversion() != 'c'
                : p.conversion() == 's');
        if (fits) {
            return p;
        }
        return Printf.parse(type.isInteger() ? "%d" : type.isFloating() ? "%g" : "%s");
    }

    /** Whether a time keyword's unit makes it an interval (s, secs, min, hours, days ...), printed as a number. */
    public static boolean isIntervalUnit(String unit) {
        if (unit == null) {
            return false;
        }
        return switch (unit.trim().toLowerCase(Locale.ROOT)) {
            case "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs",
                 "hour", "hours", "d", "day", "days", "tenthsecs" -> true;
            default -> false;
        };
    }
}
