package org.drmsbatch.drms;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A C printf format with exactly one conversion, as a keyword's format is (specs/drms.md §1), printing as glibc's
 * printf does: flags {@code - + space # 0} (and {@code '}, a no-op in the C locale), width, precision, the length
 * modifiers {@code hh h l ll L q j z t} and the conversions {@code d i o u x X c e E f F g G a A s}; {@code %%} and
 * the text around the conversion are kept. {@code %g} picks the {@code %e} or {@code %f} style and drops trailing
 * zeros as C does ({@code %g} of -1 is {@code -1}); floating values are rounded from their exact binary value, ties
 * to even, as glibc does. The unsigned conversions {@code o u x X} print the value converted to the unsigned type of
 * the argument's width: a keyword of type char, short or int is an int argument (32 bits) unless {@code hh} or
 * {@code h} say 8 or 16; a longlong keyword, or any length modifier {@code l ll L q j z t}, is 64 bits.
 * Strings are measured in characters, not bytes.
 */
public final class Printf {

    private static final Pattern CONVERSION = Pattern.compile(
            "%([-+ #0']*)([0-9]*)(?:\\.([0-9]*))?(hh|h|ll|l|L|q|j|z|t)?([diouxXceEfFgGaAs])");
    private static final int MAX_FIELD = 4096;

    private final String prefix;
    private final String suffix;
    private final boolean left;
    private final boolean plus;
    private final boolean space;
    private final boolean alt;
    private final boolean zero;
    private final int width;
    /** -1 when not given. */
    private final int precision;
    private final String length;
    private final char conversion;

    private Printf(String prefix, String suffix, String flags, int width, int precision, String length,
                   char conversion) {
        this.prefix = prefix;
        this.suffix = suffix;
        this.left = flags.indexOf('-') >= 0;
        this.plus = flags.indexOf('+') >= 0;
        this.space = flags.indexOf(' ') >= 0;
        this.alt = flags.indexOf('#') >= 0;
        this.zero = flags.indexOf('0') >= 0;
        this.width = width;
        this.precision = precision;
        this.length = length == null ? "" : length;
        this.conversion = conversion;
    }

    /**
     * The format, or null when it does not hold exactly one conversion this class prints (none, two, {@code *}
     * widths, {@code %n}, {@code %p}, a width or precision over {@value #MAX_FIELD}).
     */
    public static Printf parse(String format) {
        if (format == null) {
            return null;
        }
        Matcher m = CONVERSION.matcher(format);
        Printf found = null;
        StringBuilder before = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c != '%') {
                before.append(c);
                i++;
                continue;
            }
            if (i + 1 < format.length() && format.charAt(i + 1) == '%') {
                before.append('%');
                i += 2;
                continue;
            }
            if (found != null || !m.find(i) || m.start() != i) {
                return null;
            }
            int width = field(m.group(2), 0);
            int precision = m.group(3) == null ? -1 : field(m.group(3), 0);
            if (width < 0 || (m.group(3) != null && precision < 0)) {
                return null;
            }
            found = new Printf(before.toString(), null, m.group(1), width, precision, m.group(4),
                    m.group(5).charAt(0));
            before.setLength(0);
            i = m.end();
        }
        if (found == null) {
            return null;
        }
        return new Printf(found.prefix, before.toString(), flags(found), found.width, found.precision,
                found.length, found.conversion);
    }

    private static String flags(Printf p) {
        return (p.left ? "-" : "") + (p.plus ? "+" : "") + (p.space ? " " : "") + (p.alt ? "#" : "")
                + (p.zero ? "0" : "");
    }

    /** Digits of a width or precision ({@code ""} is {@code dflt}); -1 when over {@value #MAX_FIELD}. */
    private static int field(String digits, int dflt) {
        if (digits == null || digits.isEmpty()) {
            return dflt;
        }
        if (digits.length() > 5) {
            return -1;
        }
        int v = Integer.parseInt(digits);
        return v > MAX_FIELD ? -1 : v;
    }

    /** The conversion character ({@code d}, {@code g}, {@code s} ...). */
    public char conversion() {
        return conversion;
    }

    /** Whether the conversion prints an integer argument: {@code d i o u x X c}. */
    public boolean isInteger() {
        return "diouxXc".indexOf(conversion) >= 0;
    }

    /** Whether the conversion prints a floating argument: {@code e E f F g G a A}. */
    public boolean isFloating() {
        return "eEfFgGaA".indexOf(conversion) >= 0;
    }

    /**
     * Prints an integer argument of {@code bits} bits (32 for C's int, to which char and short are promoted; 64 for
     * long long). A floating conversion prints it as a double.
     */
    public String format(long value, int bits) {
        if (isFloating()) {
            return format((double) value);
        }
        if (conversion == 's') {
            return format(Long.toString(value));
        }
        return prefix + integer(value, bits) + suffix;
    }

    /**
     * Prints a floating argument. An integer conversion prints its value truncated toward zero as a 64-bit
     * argument (values beyond the long range, NaN and infinities print as {@code %g} would, with the same flags and
     * width).
     */
    public String format(double value) {
        if (isFloating()) {
            return prefix + floating(value, conversion) + suffix;
        }
        if (conversion == 's') {
            return format(Double.isNaN(value) ? "nan" : Double.toString(value));
        }
        if (Double.isFinite(value) && Math.abs(value) < 0x1p63) {
            return prefix + integer((long) value, 64) + suffix;
        }
        return prefix + floating(value, 'g') + suffix;
    }

    /** Prints a string argument; a numeric conversion prints the string as it is. */
    public String format(String value) {
        String s = value == null ? "" : value;
        if (conversion != 's') {
            return prefix + s + suffix;
        }
        if (precision >= 0 && s.codePointCount(0, s.length()) > precision) {
            s = s.substring(0, s.offsetByCodePoints(0, precision));
        }
        return prefix + pad("", s, false) + suffix;
    }

    // ------------------------------------------------------------------------------------------------ integers

    private String integer(long value, int bits) {
        if (conversion == 'c') {
            return pad("", String.valueOf((char) (value & 0xff)), false);
        }
        int w = switch (length) {
            case "hh" -> 8;
            case "h" -> 16;
            case "" -> bits;
            default -> 64;
        };
        String sign = "";
        String digits;
        boolean isZero;
        if (conversion == 'd' || conversion == 'i') {
            long v = w == 8 ? (byte) value : w == 16 ? (short) value : w == 32 && bits <= 32 ? (int) value : value;
            isZero = v == 0;
            String s = Long.toString(v);
            if (v < 0) {
                sign = "-";
                s = s.substring(1);
            } else if (plus) {
                sign = "+";
            } else if (space) {
                sign = " ";
            }
            digits = s;
        } else {
            long u = w >= 64 ? value : value & ((1L << w) - 1);
            isZero = u == 0;
            int radix = conversion == 'o' ? 8 : conversion == 'u' ? 10 : 16;
            digits = Long.toUnsignedString(u, radix);
            if (conversion == 'X') {
                digits = digits.toUpperCase(Locale.ROOT);
            }
        }
        if (precision == 0 && isZero) {
            digits = "";
        }
        if (precision > digits.length()) {
            digits = "0".repeat(precision - digits.length()) + digits;
        }
        if (conversion == 'o' && alt && !digits.startsWith("0")) {
            digits = "0" + digits;
        }
        if ((conversion == 'x' || conversion == 'X') && alt && !isZero) {
            sign = conversion == 'x' ? "0x" : "0X";
        }
        return pad(sign, digits, zero && precision < 0);
    }

    // ------------------------------------------------------------------------------------------------ floating

    private String floating(double value, char conv) {
        boolean upper = Character.isUpperCase(conv);
        char c = Character.toLowerCase(conv);
        boolean negative = !Double.isNaN(value) && (Double.doubleToRawLongBits(value) < 0);
        String sign = negative ? "-" : plus ? "+" : space ? " " : "";
        String body;
        boolean finite = Double.isFinite(value);
        if (!finite) {
            body = Double.isNaN(value) ? "nan" : "inf";
        } else {
            double a = Math.abs(value);
            int p = precision < 0 ? 6 : precision;
            body = switch (c) {
                case 'f' -> fixed(new BigDecimal(a), p);
                case 'e' -> scientific(new BigDecimal(a), p);
                case 'g' -> general(a, p);
                default -> hex(a);
            };
        }
        if (upper) {
            body = body.toUpperCase(Locale.ROOT);
        }
        if (c == 'a' && finite) {
            sign = sign + (upper ? "0X" : "0x");
        }
        return pad(sign, body, zero && finite);
    }

    private String fixed(BigDecimal a, int p) {
        String s = a.setScale(p, RoundingMode.HALF_EVEN).toPlainString();
        return p == 0 && alt ? s + "." : s;
    }

    private String scientific(BigDecimal a, int p) {
        String digits;
        int exponent;
        if (a.signum() == 0) {
            digits = "0".repeat(p + 1);
            exponent = 0;
        } else {
            BigDecimal r = a.round(new MathContext(p + 1, RoundingMode.HALF_EVEN));
            String u = r.unscaledValue().toString();
            exponent = u.length() - 1 - r.scale();
            digits = u.length() < p + 1 ? u + "0".repeat(p + 1 - u.length()) : u.substring(0, p + 1);
        }
        StringBuilder b = new StringBuilder(p + 8).append(digits.charAt(0));
        if (p > 0 || alt) {
            b.append('.');
        }
        b.append(digits, 1, digits.length()).append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        if (e < 10) {
            b.append('0');
        }
        return b.append(e).toString();
    }

    private String general(double a, int precision) {
        int p = precision == 0 ? 1 : precision;
        BigDecimal exact = new BigDecimal(a);
        int x = 0;
        if (a != 0) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            x = r.precision() - r.scale() - 1;
        }
        String s = p > x && x >= -4 ? fixed(exact, p - 1 - x) : scientific(exact, p - 1);
        if (alt) {
            return s;
        }
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        String rest = e < 0 ? "" : s.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            int end = mantissa.length();
            while (mantissa.charAt(end - 1) == '0') {
                end--;
            }
            if (mantissa.charAt(end - 1) == '.') {
                end--;
            }
            mantissa = mantissa.substring(0, end);
        }
        return mantissa + rest;
    }

    /** glibc's %a of a non-negative finite double, without the 0x: {@code 1.8p+1}, subnormals as {@code 0.…p-1022}. */
    private String hex(double a) {
        long bits = Double.doubleToRawLongBits(a);
        long mantissa = bits & 0xfffffffffffffL;
        int biased = (int) (bits >>> 52);
        long lead = biased == 0 ? 0 : 1;
        int exponent = a == 0 ? 0 : biased == 0 ? -1022 : biased - 1023;
        String frac;
        if (precision < 0) {
            frac = String.format(Locale.ROOT, "%013x", mantissa).replaceFirst("0+$", "");
        } else if (precision >= 13) {
            frac = String.format(Locale.ROOT, "%013x", mantissa) + "0".repeat(precision - 13);
        } else {
            int drop = 4 * (13 - precision);
            long kept = mantissa >>> drop;
            long rest = mantissa & ((1L << drop) - 1);
            long half = 1L << (drop - 1);
            if (rest > half || (rest == half && ((precision == 0 ? lead : kept) & 1) == 1)) { // ties to even
                kept++;
                if (kept >>> (4 * precision) != 0) {
                    lead++;
                    kept &= (1L << (4 * precision)) - 1;
                }
            }
            frac = precision == 0 ? "" : String.format(Locale.ROOT, "%0" + precision + "x", kept);
        }
        return lead + (frac.isEmpty() && !alt ? "" : ".") + frac + "p" + (exponent < 0 ? "-" : "+")
                + Math.abs(exponent);
    }

    // ------------------------------------------------------------------------------------------------ padding

    /** sign + body padded to the width: on the right with '-', else with zeros after the sign, else on the left. */
    private String pad(String sign, String body, boolean zeros) {
        int n = sign.length() + body.codePointCount(0, body.length());
        if (n >= width) {
            return sign + body;
        }
        String fill = (zeros && !left ? "0" : " ").repeat(width - n);
        if (left) {
            return sign + body + fill;
        }
        return zeros ? sign + fill + body : fill + sign + body;
    }
}
