package org.drmsbatch.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FastDoubles} against {@link Double#parseDouble}, bit for bit, on millions of inputs of every kind: doubles as
 * {@link Double#toString} and {@code %.17g}/{@code %.16e} print them, random digit strings of 1 to 20 digits with
 * exponents over the whole range (subnormals, underflow to zero, overflow to infinity), exact halfway cases and their
 * neighbours, signed zeros, leading and trailing zeros. The JSON numbers among them also go through
 * {@link ChunkParser#plain}, in bodies of a thousand, which must read the same doubles (or leave to the token parser
 * what it always left: -0, integers of more than 18 digits, numbers that are not finite doubles).
 */
class FastDoublesTest {

    /**
     * The default suite checks a twentieth of the inputs (about 600 000, a few seconds on 2 cores); {@code
     * -Dfastdoubles.full=true} checks all of them (about 12 million).
     */
    static int n(int all) {
        return Boolean.getBoolean("fastdoubles.full") ? all : all / 20;
    }


    private static long checked;
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
    /** JSON numbers waiting to be read by {@link ChunkParser#plain} in one body. */
    private final List<String> pending = new ArrayList<>();

    /** Each JSON number checked also goes through the chunk reader, in bodies of many numbers as clients send. */
    @AfterEach
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        String body = "{\"h\": [" + String.join(", ", pending) + "], \"t\": [0, 1]}";
        Chunk c = ChunkParser.plain(body.getBytes(StandardCharsets.US_ASCII));
        assertThat(c).as("a body of %d numbers from %s", pending.size(), pending.get(0)).isNotNull();
        for (int k = 0; k < pending.size(); k++) {
            double expected = Double.parseDouble(pending.get(k));
            if (Double.doubleToRawLongBits(c.h()[k]) != Double.doubleToRawLongBits(expected)) {
                fail("%s in a body: read as %s, Double.parseDouble gives %s", pending.get(k), c.h()[k], expected);
            }
        }
        pending.clear();
    }

    private void check(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        double expected = Double.parseDouble(s);
        double got = FastDoubles.parse(b, 0, b.length);
        checked++;
        if (Double.doubleToRawLongBits(got) != Double.doubleToRawLongBits(expected)) {
            fail("%s: parsed as %s (%016x), Double.parseDouble gives %s (%016x)", s, got,
                    Double.doubleToRawLongBits(got), expected, Double.doubleToRawLongBits(expected));
        }
        // inside a larger buffer, as ChunkParser calls it
        byte[] padded = ("[1," + s + ",2]").getBytes(StandardCharsets.US_ASCII);
        double inside = FastDoubles.parse(padded, 3, b.length);
        if (Double.doubleToRawLongBits(inside) != Double.doubleToRawLongBits(expected)) {
            fail("%s inside [1,…,2]: parsed as %s, Double.parseDouble gives %s", s, inside, expected);
        }
        // the chunk reader takes a finite JSON number of up to 64 characters with a fraction or an exponent, or an
        // integer of up to 18 digits other than -0; anything else it leaves to the token parser
        if (JSON_NUMBER.matcher(s).matches() && Double.isFinite(expected)) {
            boolean integer = s.indexOf('.') < 0 && s.indexOf('e') < 0 && s.indexOf('E') < 0;
            if (s.length() <= 64 && (!integer || (s.replace("-", "").length() <= 18 && !s.equals("-0")))) {
                pending.add(s);
                if (pending.size() == 1000) {
                    flush();
                }
            } else {
                assertThat(ChunkParser.plain(("{\"h\": [" + s + "], \"t\": [0, 1]}").getBytes(StandardCharsets.US_ASCII)))
                        .as(s).isNull();
            }
        } else if (JSON_NUMBER.matcher(s).matches()) {
            assertThat(ChunkParser.plain(("{\"h\": [" + s + "], \"t\": [0, 1]}").getBytes(StandardCharsets.US_ASCII)))
                    .as("%s is not finite", s).isNull();
        }
    }

    /** Python's repr (what json.dumps writes): Java's shortest digits, 'e' for 'E'. */
    private static String py(double d) {
        return Double.toString(d).replace('E', 'e');
    }

    @Test
    void theTableIsFastFloats() {
        // entries of fast_float's power_of_five_128 (q = -342, 0, 308, -1)
        assertThat(FastDoubles.toDouble(1, 0, false)).isEqualTo(1.0);
        assertThat(powerOfFive(-342)).containsExactly(0xeef453d6923bd65aL, 0x113faa2906a13b3fL);
        assertThat(powerOfFive(0)).containsExactly(0x8000000000000000L, 0L);
        assertThat(powerOfFive(308)).containsExactly(0x8e679c2f5e44ff8fL, 0x570f09eaa7ea7648L); // python: 5**308 shifted to 128 bits
        assertThat(powerOfFive(-1)).containsExactly(0xccccccccccccccccL, 0xcccccccccccccccdL);
    }

    private static long[] powerOfFive(int q) {
        try {
            var f = FastDoubles.class.getDeclaredField("POW5");
            f.setAccessible(true);
            long[] t = (long[]) f.get(null);
            return new long[] {t[2 * (q + 342)], t[2 * (q + 342) + 1]};
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void specialCases() {
        for (String s : new String[] {"0", "-0", "0.0", "-0.0", "0e0", "0e-400", "-0e-400", "0e400", "0.000e999999999",
                "1e309", "-1e309", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
                "-1.7976931348623157e308", "1.797693134862315807e308", "1.7976931348623158079e308",
                "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.47e-324", "2.5e-324",
                "1e-400", "-1e-400", "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
                "2.225073858507201e-308", "2.2250738585072013e-308", "1e-323", "1e-320", "9.8813129168249309e-324",
                "1", "-1", "1.0", "1e0", "1E0", "1e+0", "1e-0", "0.1", "0.5", "123456789012345678", "1234567890123456789",
                "12345678901234567890", "18446744073709551615", "18446744073709551616", "9223372036854775807",
                "9223372036854775808", "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
                "9007199254740993e0", "900719925474099.3e1", "90071992547409930e-1", "0.9007199254740993e16",
                "1e22", "1e23", "1e-22", "1e-23", "8.98846567431158e307", "1.00000000000000011102230246251565404e0",
                "1.00000000000000011102230246251565405e0", "1.000000000000000111e0", "1.0000000000000001110e0",
                "0000000000000000000000000000001.5", "0.000000000000000000000000000000000000000000000000001",
                "1.0000000000000000000000000000000000000000000000", "123.4560000000000000000000000", "-1.2345678901234567e-21",
                "2.9802322387695312e-8", "7.450580596923828e-9", "5.551115123125783e-17", "1e-5", "3.0e-5",
                "1e300", "1e-300", "1e308", "1e-308", "1e-307", "9e307", "4.4501477170144023e-308",
                "1.1125369292536007e-308", "6.9294956446009195e15", "9007199254740991.5", "1448997445238699",
                "7.038531e-26", "3.4028235e38", "1.7e308", "1.8e308", "0.0000001e-300", "100000000000000000000e-20"}) {
            check(s);
        }
        check("1" + "0".repeat(308));
        check("1" + "0".repeat(309));
        check("0." + "0".repeat(323) + "5");
        check("0." + "0".repeat(340) + "1");
    }

    @Test
    void doublesAsJavaAndPythonPrintThem() {
        SplittableRandom r = new SplittableRandom(16);
        for (int k = 0; k < n(2_000_000); k++) {
            double d = Double.longBitsToDouble(r.nextLong());
            if (!Double.isFinite(d)) {
                continue;
            }
            check(py(d));
        }
        for (int k = 0; k < n(1_000_000); k++) { // strain-like values, as the buffer gets them
            check(py(1e-21 * r.nextDouble(-5, 5)));
        }
        for (int k = 0; k < n(300_000); k++) { // subnormals and the smallest normals
            check(py(Double.longBitsToDouble(r.nextLong(1L << 53) | (r.nextBoolean() ? Long.MIN_VALUE : 0))));
        }
        for (int k = 0; k < n(300_000); k++) { // doubles in a range where Clinger's fast path and its neighbours meet
            check(py(r.nextDouble(-1e25, 1e25)));
            check(py(r.nextDouble() * Math.pow(10, r.nextInt(-30, 30))));
        }
    }

    @Test
    void doublesPrintedWith17And16Digits() {
        SplittableRandom r = new SplittableRandom(17);
        for (int k = 0; k < n(500_000); k++) {
            double d = Double.longBitsToDouble(r.nextLong());
            if (!Double.isFinite(d)) {
                continue;
            }
            check(String.format(Locale.ROOT, "%.17g", d).trim());
            check(String.format(Locale.ROOT, "%.16e", d));
            check(String.format(Locale.ROOT, "%.17e", 1e-21 * r.nextGaussian()));
        }
    }

    @Test
    void randomDigitStringsOverTheWholeExponentRange() {
        SplittableRandom r = new SplittableRandom(20);
        StringBuilder s = new StringBuilder(48);
        for (int k = 0; k < n(3_000_000); k++) {
            s.setLength(0);
            if (r.nextBoolean()) {
                s.append('-');
            }
            int n = r.nextInt(1, 21);
            int zeros = r.nextInt(8) == 0 ? r.nextInt(1, 6) : 0; // leading zeros
            int point = r.nextInt(-1, n + 1); // -1: no point
            for (int j = 0; j < zeros + n; j++) {
                if (j == point + zeros && point >= 0) {
                    s.append(j == 0 ? "0." : ".");
                }
                s.append(j < zeros ? '0' : (char) ('0' + (j == zeros ? r.nextInt(1, 10) : r.nextInt(10))));
            }
            if (r.nextInt(4) == 0) { // trailing zeros
                s.append("0".repeat(r.nextInt(1, 5)));
            }
            if (r.nextInt(10) != 0) {
                s.append(r.nextBoolean() ? 'e' : 'E');
                int e = r.nextInt(-360, 330);
                s.append(e >= 0 && r.nextBoolean() ? "+" : "").append(e);
            }
            check(s.toString());
        }
    }

    @Test
    void halfwayCasesAndTheirNeighbours() {
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < n(300_000); k++) {
            // a double, the next one up, and the decimal exactly between: ties to even, a digit either side rounds
            double d = switch (k % 3) {
                case 0 -> (double) ((1L << 52) + r.nextLong(1L << 52)) * Math.scalb(1.0, r.nextInt(0, 12));
                case 1 -> Double.longBitsToDouble(r.nextLong(1L << 53)); // subnormal: the midpoint has 750+ digits
                default -> Double.longBitsToDouble(r.nextLong(0x7FE0_0000_0000_0000L));
            };
            BigDecimal mid = new BigDecimal(d).add(new BigDecimal(Math.nextUp(d))).divide(BigDecimal.valueOf(2));
            check(mid.toPlainString());
            check(mid.toString());
            BigDecimal ulp = BigDecimal.ONE.movePointLeft(mid.scale());
            check(mid.add(ulp).toString());
            check(mid.subtract(ulp).toString());
            if (mid.precision() > 19) { // the midpoint's first 17 to 19 digits, and one more in the last place
                for (int p = 17; p <= 19; p++) {
                    BigDecimal cut = mid.round(new java.math.MathContext(p, java.math.RoundingMode.DOWN));
                    check(cut.toString());
                    check(cut.add(BigDecimal.ONE.scaleByPowerOfTen(-cut.scale())).toString());
                }
            }
        }
        // the halfway integers between 2^53 and 2^64, where Eisel-Lemire's round-to-even check matters
        for (int k = 0; k < n(300_000); k++) {
            int s = r.nextInt(1, 12);
            BigInteger a = BigInteger.valueOf((1L << 52) + r.nextLong(1L << 52));
            BigInteger mid = a.shiftLeft(1).add(BigInteger.ONE).shiftLeft(s - 1);
            check(mid.toString());
            check(mid.add(BigInteger.ONE).toString());
            check(mid.subtract(BigInteger.ONE).toString());
            int q = r.nextInt(-4, 4);
            check(mid + "e" + q);
        }
        assertThat(checked).isPositive();
    }
}
