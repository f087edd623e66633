package org.drmsbatch.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.internal.shaded.fdp.JavaDoubleParser;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a chunk body {@code {"h": [numbers…], "t": [t0, dt]}} token by token, so that every complaint names the
 * JSON pointer, line and column of what is wrong. Members other than h and t are ignored (as glitchflow's binding
 * does); a duplicate h or t, trailing content, NaN/Infinity and numbers that overflow a double are refused.
 *
 * <p>A body of the plain shape clients send ({@code {"h": [numbers], "t": [t0, dt]}}, either order, JSON whitespace
 * anywhere) is read in one pass over its bytes ({@link #plain}), each number converted by {@link FastDoubles} (the
 * same double as Jackson's fast double parser and {@link Double#parseDouble}); anything else in it (another member, an escape, a number that is not a finite double, an integer of more
 * than 18 digits, any flaw) sends the body to the token parser, which accepts or refuses it as it always did, with
 * the same words. Both read the same doubles.
 */
final class ChunkParser {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    private ChunkParser() {
    }

    static Chunk parse(byte[] json) {
        Chunk c = json == null ? null : plain(json);
        return c != null ? c : tokens(json);
    }

    /** The token parser alone (what {@link #parse} falls back to). */
    static Chunk tokens(byte[] json) {
        Members m = members(json, true);
        return new Chunk(m.h(), m.t()[0], m.t()[1]);
    }

    // ------------------------------------------------------------------------------------------------ the plain body

    /** The longest number the one-pass reader converts itself; a longer one goes to the token parser. */
    private static final int MAX_NUMBER = 64;

    /**
     * The chunk of a body of the plain shape {@code {"h": [numbers], "t": [t0, dt]}} (either order, whitespace
     * anywhere), every number valid JSON and a finite double, h non-empty, dt &gt; 0; or null for anything else,
     * which the token parser then reads (or refuses) as usual.
     */
    static Chunk plain(byte[] b) {
        Plain p = new Plain(b);
        if (!p.expect('{')) {
            return null;
        }
        double[] h = null;
        double[] t = null;
        for (int member = 0; member < 2; member++) {
            if (member == 1 && !p.expect(',')) {
                return null;
            }
            int name = p.name();
            if (name == 'h' && h == null) {
                h = p.numbers(Math.max(64, b.length / 16));
                if (h == null || h.length == 0) {
                    return null;
                }
            } else if (name == 't' && t == null) {
                t = p.numbers(2);
                if (t == null || t.length != 2 || !(t[1] > 0)) {
                    return null;
                }
            } else {
                return null;
            }
        }
        if (!p.expect('}') || !p.atEnd()) {
            return null;
        }
        return new Chunk(h, t[0], t[1]);
    }

    private static final VarHandle LITTLE_ENDIAN_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long[] POW10 = {1L, 10L, 100L, 1000L, 10000L, 100000L, 1000000L, 10000000L, 100000000L};

    /** The value of the eight ASCII digits of a little-endian word, the first byte the most significant digit. */
    private static long eightDigits(long v) {
        v -= 0x3030303030303030L;
        v = v * 10 + (v >>> 8);
        return ((v & 0x000000FF000000FFL) * 0x000F424000000064L
                + ((v >>> 16) & 0x000000FF000000FFL) * 0x0000271000000001L) >>> 32;
    }

    /** The bytes {@link Plain#skipNumbers} passes over: those of JSON numbers, commas and JSON whitespace. */
    private static final boolean[] IN_NUMBERS = new boolean[256];

    static {
        for (char c : "0123456789.-+eE, \n\r\t".toCharArray()) {
            IN_NUMBERS[c] = true;
        }
    }

    /** A cursor over a body's bytes for {@link #plain}. */
    private static final class Plain {

        private final byte[] b;
        private int i;

        Plain(byte[] b) {
            this.b = b;
        }

        private void skipSpace() {
            while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i++;
            }
        }

        /** Skips whitespace, then {@code c}; false when something else comes. */
        boolean expect(char c) {
            skipSpace();
            if (i < b.length && b[i] == c) {
                i++;
                return true;
            }
            return false;
        }

        boolean atEnd() {
            skipSpace();
            return i == b.length;
        }

        /** A one-letter member name and its colon: the letter, or -1. */
        int name() {
            if (!expect('"') || i + 2 > b.length || b[i + 1] != '"') {
                return -1;
            }
            int letter = b[i];
            i += 2;
            return expect(':') ? letter : -1;
        }

        /**
         * Passes over an array that holds only number characters, commas and whitespace, through its {@code ]};
         * false (where it stopped) at anything else.
         */
        boolean skipNumbers() {
            if (!expect('[')) {
                return false;
            }
            byte[] b = this.b;
            int k = i;
            while (k < b.length && IN_NUMBERS[b[k] & 0xff]) {
                k++;
            }
            i = k;
            if (k < b.length && b[k] == ']') {
                i++;
                return true;
            }
            return false;
        }

        /** An array of numbers, or null when it is not one the plain reader takes. */
        double[] numbers(int capacity) {
            if (!expect('[')) {
                return null;
            }
            double[] v = new double[capacity];
            int n = 0;
            skipSpace();
            if (i < b.length && b[i] == ']') {
                i++;
                return new double[0];
            }
            while (true) {
                skipSpace();
                double d = number();
                if (Double.isNaN(d)) {
                    return null; // not a number the plain reader takes
                }
                if (n == v.length) {
                    v = Arrays.copyOf(v, n * 2);
                }
                v[n++] = d;
                if (i >= b.length) {
                    return null;
                }
                byte c = b[i];
                if (c != ',' && c != ']') {
                    skipSpace();
                    if (i >= b.length) {
                        return null;
                    }
                    c = b[i];
                }
                i++;
                if (c == ']') {
                    return n == v.length ? v : Arrays.copyOf(v, n);
                }
                if (c != ',') {
                    return null;
                }
            }
        }

        /**
         * A JSON number as a finite double, the same double as Jackson's token parser reads (an integer of up to 18
         * digits through a long; a number with a fraction or an exponent correctly rounded, as
         * {@link Double#parseDouble} and Jackson's fast double parser give it): its digits are gathered while its
         * syntax is checked and converted by {@link FastDoubles#toDouble} (Clinger / Eisel-Lemire), the rare number
         * that cannot decide there (more than 19 significant digits, a product too close to a rounding boundary) by
         * Jackson's JavaDoubleParser; NaN for anything else (not JSON, not finite, -0, a longer integer). The shape
         * of strain samples is read by {@link #scientific}, any other by {@link #general}.
         */
        private double number() {
            double fast = scientific();
            if (fast == fast) {
                return fast;
            }
            return general();
        }

        /**
         * A number of the shape Python's {@code repr} gives strain values, {@code [-]D.DDDDDDDD…[e±DDD]}: one digit 1-9
         * before the point, 8 to 16 after it, an exponent of at most three digits, followed by a comma, a bracket or
         * whitespace; read with two eight-byte loads and no loop, as a finite double (the same as {@link #general}
         * gives). NaN, the position unchanged, for any other shape, a number that is not finite or one within 26
         * bytes of the body's end (the loads stay inside the array), which {@link #general} then reads. About a
         * third faster on such bodies than the general reader alone.
         */
        private double scientific() {
            byte[] b = this.b;
            int k = i;
            if (k + 26 > b.length) {
                return Double.NaN;
            }
            boolean negative = b[k] == '-';
            if (negative) {
                k++;
            }
            int lead = b[k] - '0';
            if (lead < 1 || lead > 9 || b[k + 1] != '.') {
                return Double.NaN;
            }
            long v1 = (long) LITTLE_ENDIAN_LONGS.get(b, k + 2);
            long v2 = (long) LITTLE_ENDIAN_LONGS.get(b, k + 10);
            if ((((v1 + 0x4646464646464646L) | (v1 - 0x3030303030303030L)) & 0x8080808080808080L) != 0) {
                return Double.NaN;
            }
            int run = Long.numberOfTrailingZeros(((v2 + 0x4646464646464646L) | (v2 - 0x3030303030303030L))
                    & 0x8080808080808080L) >>> 3; // 0..8: more than 16 digits are refused below, by what follows
            long low = run == 0 ? 0 // else the run's digits to the top of the word, '0's before them
                    : eightDigits(run == 8 ? v2 : v2 << (64 - 8 * run) | 0x3030303030303030L >>> (8 * run));
            long w = (lead * 100_000_000L + eightDigits(v1)) * POW10[run] + low;
            k += 10 + run;
            int exp10 = -8 - run;
            byte c = b[k];
            if (c == 'e' || c == 'E') {
                c = b[++k];
                boolean negativeExp = c == '-';
                if (negativeExp || c == '+') {
                    c = b[++k];
                }
                int x = c - '0';
                if (x < 0 || x > 9) {
                    return Double.NaN;
                }
                c = b[++k];
                int d = c - '0';
                if (d >= 0 && d <= 9) {
                    x = x * 10 + d;
                    c = b[++k];
                    d = c - '0';
                    if (d >= 0 && d <= 9) {
                        x = x * 10 + d;
                        c = b[++k];
                        if (c >= '0' && c <= '9') {
                            return Double.NaN;
                        }
                    }
                }
                exp10 += negativeExp ? -x : x;
            }
            if (c != ',' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return Double.NaN;
            }
            double d = FastDoubles.toDouble(w, exp10, negative);
            if (!Double.isFinite(d)) { // also NaN: the rare product Eisel-Lemire cannot decide, left to general()
                return Double.NaN;
            }
            i = k;
            return d;
        }

        /** {@link #number} of any shape: its digits gathered one by one, eight at a time after the point. */
        private double general() {
            byte[] b = this.b;
            int n = b.length;
            int start = i;
            int k = i;
            boolean negative = false;
            if (k < n && b[k] == '-') {
                negative = true;
                k++;
            }
            long w = 0; // the first 19 significant digits (unsigned)
            int digits = 0; // significant digits in w
            int exp10 = 0;
            boolean truncated = false; // a non-zero digit beyond the 19th dropped
            int intStart = k;
            if (k < n && b[k] == '0') {
                k++;
            } else {
                while (k < n) {
                    int d = b[k] - '0';
                    if (d < 0 || d > 9) {
                        break;
                    }
                    if (digits < 19) {
                        w = w * 10 + d;
                        digits++;
                    } else {
                        truncated |= d != 0;
                        exp10++;
                    }
                    k++;
                }
            }
            int intDigits = k - intStart;
            if (intDigits == 0) {
                i = k;
                return Double.NaN;
            }
            boolean integer = true;
            if (k < n && b[k] == '.') {
                integer = false;
                int f = ++k;
                while (true) {
                    if (w != 0 && digits <= 11 && k + 8 <= n) {
                        // eight bytes at a time (SWAR, as fast_float): the run of digits in the word from the mask of
                        // its non-digit bytes, their value by three multiplications; no branch per digit
                        long v = (long) LITTLE_ENDIAN_LONGS.get(b, k);
                        long nonDigits = ((v + 0x4646464646464646L) | (v - 0x3030303030303030L))
                                & 0x8080808080808080L;
                        int run = Long.numberOfTrailingZeros(nonDigits) >>> 3; // 0..8
                        if (run == 0) {
                            break;
                        }
                        if (run < 8) { // the run's digits to the top of the word, '0's before them
                            v = v << (64 - 8 * run) | 0x3030303030303030L >>> (8 * run);
                        }
                        w = w * POW10[run] + eightDigits(v);
                        digits += run;
                        exp10 -= run;
                        k += run;
                        if (run < 8) {
                            break;
                        }
                        continue;
                    }
                    if (k >= n) {
                        break;
                    }
                    int d = b[k] - '0';
                    if (d < 0 || d > 9) {
                        break;
                    }
                    if (digits < 19) {
                        w = w * 10 + d;
                        if (w != 0) {
                            digits++; // leading zeros (0.000…) are not significant
                        }
                        exp10--;
                    } else {
                        truncated |= d != 0;
                    }
                    k++;
                }
                if (k == f) {
                    i = k;
                    return Double.NaN;
                }
            }
            if (k < n && (b[k] == 'e' || b[k] == 'E')) {
                integer = false;
                k++;
                boolean negativeExp = false;
                if (k < n && (b[k] == '+' || b[k] == '-')) {
                    negativeExp = b[k] == '-';
                    k++;
                }
                int e = k;
                int x = 0;
                while (k < n) {
                    int d = b[k] - '0';
                    if (d < 0 || d > 9) {
                        break;
                    }
                    if (x < 100_000_000) {
                        x = x * 10 + d;
                    }
                    k++;
                }
                if (k == e) {
                    i = k;
                    return Double.NaN;
                }
                exp10 += negativeExp ? -x : x;
            }
            i = k;
            int len = k - start;
            if (len > MAX_NUMBER || (k < n && !(b[k] == ',' || b[k] == ']' || b[k] == ' ' || b[k] == '\n'
                    || b[k] == '\r' || b[k] == '\t'))) {
                return Double.NaN;
            }
            if (integer) {
                if (intDigits > 18) {
                    return Double.NaN;
                }
                if (w == 0 && negative) {
                    return Double.NaN; // -0: the token parser says what it is
                }
                return (double) (negative ? -w : w);
            }
            double d = truncated ? Double.NaN : FastDoubles.toDouble(w, exp10, negative);
            if (Double.isNaN(d)) { // undecided: Jackson's parser, exact on every input (what the token parser calls)
                d = JavaDoubleParser.parseDouble(b, start, len);
            }
            return Double.isFinite(d) ? d : Double.NaN;
        }
    }

    // ------------------------------------------------------------------------------------------------ the token parser

    /**
     * Only t0 of a chunk body, with t checked as {@link #parse} checks it; the samples are skipped unconverted: in a
     * plain body by a scan of its bytes ({@link #plainT0}, a small part of a full parse), else by the token parser
     * (about a third of the work of a full parse on a 16 384-sample chunk). A bad sample goes unnoticed here.
     */
    static double t0(byte[] json) {
        double t0 = json == null ? Double.NaN : plainT0(json);
        return !Double.isNaN(t0) ? t0 : tokensT0(json);
    }

    /**
     * t0 of a body of the plain shape, h passed over by a scan of its bytes (only number characters, commas and
     * whitespace up to its {@code ]}) and t read as {@link #plain} reads it; NaN for anything else, which the token
     * parser then reads. Like the token parser's t0 it converts no sample; unlike it, it does not check the syntax of
     * each sample either (a malformed one is found by {@link #parse}, as a bad value already was).
     */
    static double plainT0(byte[] b) {
        Plain p = new Plain(b);
        if (!p.expect('{')) {
            return Double.NaN;
        }
        boolean seenH = false;
        double[] t = null;
        for (int member = 0; member < 2; member++) {
            if (member == 1 && !p.expect(',')) {
                return Double.NaN;
            }
            int name = p.name();
            if (name == 'h' && !seenH) {
                seenH = true;
                if (!p.skipNumbers()) {
                    return Double.NaN;
                }
            } else if (name == 't' && t == null) {
                t = p.numbers(2);
                if (t == null || t.length != 2 || !(t[1] > 0)) {
                    return Double.NaN;
                }
            } else {
                return Double.NaN;
            }
        }
        return p.expect('}') && p.atEnd() ? t[0] : Double.NaN;
    }

    /** The bytes at a chunk file's end that {@link #tailT0} reads. */
    static final int TAIL = 256;

    /**
     * t0 of a body from its last bytes ({@link #TAIL} or fewer) when it ends with its t member,
     * {@code , "t": [t0, dt]}} (whitespace anywhere, dt &gt; 0), as the bodies clients send and the buffer's canonical
     * JSON do; NaN otherwise. In valid JSON such an ending can only be the object's own t: the comma before the name
     * is outside any string (a quote inside one is escaped), and the last brace closes the object. So for every body
     * {@link #parse} accepts this is its t0, read without passing over its samples; a body that ends so but is not a
     * valid chunk is refused when it is read, as one with a bad sample already was.
     */
    static double tailT0(byte[] tail) {
        int q = tail.length - 3;
        while (q >= 0 && !(tail[q] == '"' && tail[q + 1] == 't' && tail[q + 2] == '"')) {
            q--;
        }
        int before = q - 1;
        while (before >= 0 && (tail[before] == ' ' || tail[before] == '\n' || tail[before] == '\r'
                || tail[before] == '\t')) {
            before--;
        }
        if (q < 0 || before < 0 || tail[before] != ',') {
            return Double.NaN;
        }
        Plain p = new Plain(tail);
        p.i = q;
        if (p.name() != 't') {
            return Double.NaN;
        }
        double[] t = p.numbers(2);
        return t != null && t.length == 2 && t[1] > 0 && p.expect('}') && p.atEnd() ? t[0] : Double.NaN;
    }

    /** t0 by the token parser alone (what {@link #t0} falls back to). */
    static double tokensT0(byte[] json) {
        return members(json, false).t()[0];
    }

    /** h (null when not {@code samples}) and t of a body. */
    private record Members(double[] h, double[] t) {
    }

    private static Members members(byte[] json, boolean samples) {
        if (json == null || json.length == 0) {
            throw new InvalidChunkException("the body is empty; expected a JSON object {\"h\": [...], \"t\": [t0, dt]}",
                    "", 0, 0);
        }
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonToken tok = p.nextToken();
            if (tok != JsonToken.START_OBJECT) {
                throw invalid(p, "expected a JSON object {\"h\": [...], \"t\": [t0, dt]}, found " + describe(tok), "");
            }
            double[] h = null;
            boolean seenH = false;
            double[] t = null;
            while ((tok = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                TokenStreamLocation at = p.currentTokenLocation();
                p.nextToken();
                switch (name) {
                    case "h" -> {
                        if (seenH) {
                            throw invalid(at, "duplicate member h", "/h");
                        }
                        seenH = true;
                        if (samples) {
                            h = numbers(p, "/h");
                            if (h.length == 0) {
                                throw invalid(p, "h is empty; it must hold at least one sample", "/h");
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "t" -> {
                        if (t != null) {
                            throw invalid(at, "duplicate member t", "/t");
                        }
                        TokenStreamLocation start = p.currentTokenLocation();
                        t = numbers(p, "/t");
                        if (t.length != 2) {
                            throw invalid(start, "t must be [t0, dt], two numbers; found " + t.length, "/t");
                        }
                        if (!(t[1] > 0)) {
                            throw invalid(p, "dt must be > 0, not " + t[1], "/t/1");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (tok != JsonToken.END_OBJECT) {
                throw invalid(p, "malformed JSON object", "");
            }
            if (!seenH) {
                throw invalid(p, "missing member h (the samples)", "/h");
            }
            if (t == null) {
                throw invalid(p, "missing member t ([t0, dt])", "/t");
            }
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw invalid(p, "unexpected content after the JSON object: " + describe(trailing), "");
            }
            return new Members(h, t);
        } catch (InvalidChunkException e) {
            throw e;
        } catch (JacksonException e) {
            TokenStreamLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw new InvalidChunkException("not JSON: " + (nl > 0 ? msg.substring(0, nl) : msg), "",
                    loc != null ? Math.max(loc.getLineNr(), 0) : 0, loc != null ? Math.max(loc.getColumnNr(), 0) : 0);
        }
    }

    /** The array of finite numbers at the current token (which must be START_ARRAY). */
    private static double[] numbers(JsonParser p, String pointer) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw invalid(p, pointer.substring(1) + " must be an array of numbers, found " + describe(p.currentToken()),
                    pointer);
        }
        double[] v = new double[64];
        int n = 0;
        JsonToken tok;
        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
            if (tok != JsonToken.VALUE_NUMBER_INT && tok != JsonToken.VALUE_NUMBER_FLOAT) {
                throw invalid(p, pointer.substring(1) + "[" + n + "] is " + describe(tok) + ", not a number",
                        pointer + "/" + n);
            }
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                throw invalid(p, pointer.substring(1) + "[" + n + "] = " + p.getText() + " is not a finite double",
                        pointer + "/" + n);
            }
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = d;
        }
        return Arrays.copyOf(v, n);
    }

    private static String describe(JsonToken tok) {
        if (tok == null) {
            return "the end of the body";
        }
        return switch (tok) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> tok.name();
        };
    }

    private static InvalidChunkException invalid(JsonParser p, String detail, String pointer) {
        return invalid(p.currentTokenLocation(), detail, pointer);
    }

    private static InvalidChunkException invalid(TokenStreamLocation at, String detail, String pointer) {
        return new InvalidChunkException(detail, pointer, at == null ? 0 : Math.max(at.getLineNr(), 0),
                at == null ? 0 : Math.max(at.getColumnNr(), 0));
    }
}
