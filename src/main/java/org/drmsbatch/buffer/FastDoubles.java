package org.drmsbatch.buffer;

import java.math.BigInteger;

import tools.jackson.core.internal.shaded.fdp.JavaDoubleParser;

/**
 * Decimal text to the nearest double, as {@link Double#parseDouble} gives it, for the numbers of chunk bodies.
 *
 * <p>Numbers of up to 19 significant digits (all a double needs: Python's {@code repr} and {@link Double#toString}
 * write at most 17) are converted here: exactly by Clinger's fast path when the digits and the power of ten are both
 * exact doubles, else by the Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second", 2021, as in
 * fast_float and newer JDKs): the digits times a 128-bit truncated power of five, which decides the rounding in all
 * but rare cases it recognises. Those rare cases, and numbers of more than 19 significant digits, go to the parser
 * Jackson uses ({@code JavaDoubleParser}, shaded in jackson-core), which is exact for every input but slow on long
 * inputs like the 17-digit strain values.
 *
 * <p>Overflow gives an infinity and underflow a (signed) zero, as {@link Double#parseDouble} does; callers refuse
 * non-finite values themselves. {@link ChunkParser} gathers a number's digits while it checks its JSON syntax and
 * calls {@link #toDouble}; {@link #parse} is the same for text alone (and what the tests hold against
 * {@link Double#parseDouble}). The table of powers of five is computed once, at class initialisation (some 10-30 ms).
 */
final class FastDoubles {

    private FastDoubles() {
    }

    /** The smallest and largest power of ten of the table: below, any 19-digit value rounds to 0; above, to ∞. */
    private static final int MIN_Q = -342;
    private static final int MAX_Q = 308;

    /**
     * 5^q for q in [-342, 308], each as the 128 most significant bits of its binary expansion (rounded up for
     * q &lt; 0, truncated for q ≥ 0), high 64 bits at {@code 2 (q + 342)}, low at the next index: fast_float's table,
     * computed here as its generator script does (each value shifted once to 128 bits).
     */
    private static final long[] POW5 = powersOfFive();

    private static final double[] EXACT_POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    private static long[] powersOfFive() {
        long[] t = new long[2 * (MAX_Q - MIN_Q + 1)];
        BigInteger five = BigInteger.valueOf(5);
        for (int q = MIN_Q; q <= MAX_Q; q++) {
            BigInteger c;
            if (q < 0) {
                BigInteger p5 = five.pow(-q);
                int z = p5.bitLength(); // 5^-q is no power of two: the smallest z with 2^z >= 5^-q
                int b = q >= -27 ? z + 127 : 2 * z + 128;
                c = BigInteger.ONE.shiftLeft(b).divide(p5).add(BigInteger.ONE);
            } else {
                c = five.pow(q);
            }
            c = c.bitLength() > 128 ? c.shiftRight(c.bitLength() - 128) : c.shiftLeft(128 - c.bitLength());
            int k = 2 * (q - MIN_Q);
            t[k] = c.shiftRight(64).longValue();
            t[k + 1] = c.longValue();
        }
        return t;
    }

    /**
     * The double nearest to the decimal number in {@code b[off, off + len)}: an optional sign, digits with an
     * optional point (digits before or after it), an optional exponent ({@code e} or {@code E}, optional sign,
     * digits). Anything else goes to JavaDoubleParser, which parses what it can and throws
     * {@link NumberFormatException} for the rest.
     */
    static double parse(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        boolean negative = false;
        if (i < end && (b[i] == '-' || b[i] == '+')) {
            negative = b[i] == '-';
            i++;
        }
        long w = 0; // the first 19 significant digits, unsigned
        int digits = 0; // significant digits in w (from the first non-zero one)
        int any = 0; // digits seen at all
        int exp10 = 0;
        boolean truncated = false;
        while (i < end) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            any++;
            if (digits < 19) {
                w = w * 10 + d;
                if (w != 0) {
                    digits++;
                }
            } else {
                truncated |= d != 0;
                exp10++;
            }
            i++;
        }
        if (i < end && b[i] == '.') {
            i++;
            while (i < end) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                any++;
                if (digits < 19) {
                    w = w * 10 + d;
                    if (w != 0) {
                        digits++;
                    }
                    exp10--;
                } else {
                    truncated |= d != 0;
                }
                i++;
            }
        }
        if (any == 0) {
            return JavaDoubleParser.parseDouble(b, off, len);
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean negativeExp = false;
            if (i < end && (b[i] == '-' || b[i] == '+')) {
                negativeExp = b[i] == '-';
                i++;
            }
            int e = 0;
            int expStart = i;
            while (i < end) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (e < 100_000_000) {
                    e = e * 10 + d;
                }
                i++;
            }
            if (i == expStart) {
                return JavaDoubleParser.parseDouble(b, off, len);
            }
            exp10 += negativeExp ? -e : e;
        }
        if (i != end || truncated) {
            return JavaDoubleParser.parseDouble(b, off, len);
        }
        double d = toDouble(w, exp10, negative);
        return Double.isNaN(d) ? JavaDoubleParser.parseDouble(b, off, len) : d;
    }

    /**
     * {@code ±w × 10^q} rounded to the nearest double (ties to even), w an unsigned value below 10^19; NaN in the
     * rare cases the 128-bit product cannot decide.
     */
    static double toDouble(long w, int q, boolean negative) {
        if (w == 0 || q < MIN_Q) {
            return negative ? -0.0 : 0.0;
        }
        if (q > MAX_Q) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (q >= -22 && q <= 22 && w >= 0 && w <= 1L << 53) { // Clinger: both exact, one correctly rounded operation
            double d = w;
            d = q < 0 ? d / EXACT_POW10[-q] : d * EXACT_POW10[q];
            return negative ? -d : d;
        }
        int lz = Long.numberOfLeadingZeros(w);
        w <<= lz;
        int index = 2 * (q - MIN_Q);
        long p = POW5[index];
        long lo = w * p;
        long hi = unsignedMultiplyHigh(w, p);
        if ((hi & 0x1FF) == 0x1FF) { // the low bits may carry into the 55 kept: add the next 64 bits of the product
            long hi2 = unsignedMultiplyHigh(w, POW5[index + 1]);
            lo += hi2;
            if (Long.compareUnsigned(hi2, lo) > 0) {
                hi++;
            }
        }
        if (lo == 0xFFFF_FFFF_FFFF_FFFFL && (q < -27 || q > 55)) {
            return Double.NaN; // the truncated product might be just below a boundary: let the exact parser decide
        }
        int upperbit = (int) (hi >>> 63);
        long mantissa = hi >>> (upperbit + 9);
        int power2 = ((217706 * q) >> 16) + 63 + upperbit - lz + 1023;
        if (power2 <= 0) { // subnormal (or zero)
            if (-power2 + 1 >= 64) {
                return negative ? -0.0 : 0.0;
            }
            mantissa >>>= -power2 + 1;
            mantissa += mantissa & 1;
            mantissa >>>= 1;
            // rounding may have made it the smallest normal: its exponent field 1, the implicit bit in the or below
            power2 = mantissa < 1L << 52 ? 0 : 1;
            long bits = mantissa | (long) power2 << 52;
            return Double.longBitsToDouble(negative ? bits | Long.MIN_VALUE : bits);
        }
        if (Long.compareUnsigned(lo, 1) <= 0 && q >= -4 && q <= 23 && (mantissa & 3) == 1
                && mantissa << (upperbit + 9) == hi) {
            mantissa &= ~1L; // exactly halfway between two doubles: round to even (down), not up
        }
        mantissa += mantissa & 1;
        mantissa >>>= 1;
        if (mantissa >= 2L << 52) {
            mantissa = 1L << 52;
            power2++;
        }
        mantissa &= ~(1L << 52);
        if (power2 >= 0x7FF) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        long bits = mantissa | (long) power2 << 52;
        return Double.longBitsToDouble(negative ? bits | Long.MIN_VALUE : bits);
    }

    /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh from Java 18). */
    private static long unsignedMultiplyHigh(long x, long y) {
        return Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x);
    }
}
