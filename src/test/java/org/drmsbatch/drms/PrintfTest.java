package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.drms.types.DrmsType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keyword values print as C's printf prints them (as JSOC's show_info does): each case is printed by
 * {@link KeywordValues#format} and by the C library's own {@code snprintf}, called from python3 through ctypes with
 * the argument C would get (char, short and int keywords as int, longlong as long long, float and double as double,
 * strings as char*).
 */
class PrintfTest {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Reads "kind TAB format TAB value" lines, prints snprintf's answer for each as hex, one per line. */
    static final String ORACLE = """
            import ctypes, re, sys
            libc = ctypes.CDLL(None)
            buf = ctypes.create_string_buffer(8192)
            out = []
            for line in open(sys.argv[1], encoding='utf-8').read().splitlines():
                kind, fmt, value = line.split('\\t')
                if kind == 'int':
                    arg = ctypes.c_int(int(value))
                elif kind == 'longlong':
                    arg = ctypes.c_longlong(int(value))
                elif kind == 'double':
                    arg = ctypes.c_double(float.fromhex(value))
                elif kind == 'truncated':
                    # an integer conversion of a floating value: the value truncated toward zero, as a long long
                    arg = ctypes.c_longlong(int(float.fromhex(value)))
                    fmt = re.sub(r'([diouxX])', r'll\\1', fmt, count=1)
                else:
                    arg = ctypes.c_char_p(value.encode())
                libc.snprintf(buf, len(buf), fmt.encode(), arg)
                c = buf.value.hex()
                # Python's % operator, which follows the C standard, where it takes the format
                try:
                    py = (fmt % (arg.value if kind != 'string' else value)).encode().hex()
                except (TypeError, ValueError):
                    py = c
                out.append(c + ' ' + py)
            print('\\n'.join(out))
            """;

    record Case(DrmsType type, String kind, String format, Object value, String arg) {
    }

    final List<Case> cases = new ArrayList<>();

    void add(DrmsType type, String kind, String format, Object value) {
        String arg = value instanceof Double d ? Double.toHexString(d)
                : value instanceof Float f ? Double.toHexString(f) : String.valueOf(value);
        cases.add(new Case(type, kind, format, value, arg));
    }

    static List<String> variants(char conv, String... specs) {
        List<String> l = new ArrayList<>();
        for (String s : specs) {
            l.add("%" + s + conv);
        }
        return l;
    }

    @Test
    void keywordValuesPrintAsCsPrintf(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        double[] doubles = {0, -0.0, 1, -1, 22, 0.5, 1.5, 2.5, 0.1, 1e-5, 0.0001, 0.00012345, 123456, 1234567, 1e15,
                1e16, 9.9999995, 99999.95, 999999.5, 1.7e308, -1.7e308, Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300,
                3.14159265358979, -2.718281828, 1e100, 123.456, 0.125, 0.375, 5e-5, 9.5, 0.05, 100, 1e-4, 99.5,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        String[] floatSpecs = {"", "10", "-10", ".0", ".1", ".3", ".10", "+", " ", "#", "#.3", "010.4", "-+12.5",
                ".17", "#.0", "08", "+010"};
        for (char conv : "gGeEfF".toCharArray()) {
            for (String f : variants(conv, floatSpecs)) {
                for (double v : doubles) {
                    add(DrmsType.DOUBLE, "double", f, v);
                }
            }
        }
        for (String f : List.of("%a", "%A", "%.3a", "%.0a", "%#.0a", "%20a", "%-+20.2a", "T=%8.3f K", "%5.1f%%",
                "%lf", "%Lg")) {
            for (double v : doubles) {
                if (!f.contains("L")) {
                    add(DrmsType.DOUBLE, "double", f, v);
                }
            }
        }
        for (float v : new float[] {1.23456f, 0.1f, -1f, 22f, 3.4e38f, 1e-45f, Float.NaN}) {
            for (String f : List.of("%g", "%f", "%.3f", "%e", "%.9g", "%12.4E")) {
                add(DrmsType.FLOAT, "double", f, v);
            }
        }
        long[] ints = {0, 1, -1, 7, 8, 255, 256, -255, 65535, 70000, -70000, Integer.MAX_VALUE, Integer.MIN_VALUE,
                1234};
        String[] intSpecs = {"", "5", "-5", "05", ".3", ".0", "+", " ", "#", "#08", "-#10", "+.4", "h", "hh",
                "#.0", "08.3", "-08"};
        for (char conv : "diouxX".toCharArray()) {
            for (String f : variants(conv, intSpecs)) {
                for (long v : ints) {
                    add(DrmsType.INT, "int", f, (int) v);
                }
            }
        }
        for (short v : new short[] {-1, 0, 300, Short.MIN_VALUE}) {
            for (String f : List.of("%d", "%x", "%hx", "%06hd", "%o")) {
                add(DrmsType.SHORT, "int", f, v);
            }
        }
        for (byte v : new byte[] {-1, 0, 65, Byte.MIN_VALUE}) {
            for (String f : List.of("%d", "%x", "%hhx", "%hhu", "%3c")) {
                if (!(f.endsWith("c") && v <= 0)) {
                    add(DrmsType.CHAR, "int", f, v);
                }
            }
        }
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1_000_000_000_000L, -123456789012L}) {
            for (String f : List.of("%lld", "%20lld", "%-20lld|", "%llx", "%#llx", "%llo", "%llu", "%llX", "%020lld",
                    "%+lld", "%.15lld", "%'lld")) {
                add(DrmsType.LONGLONG, "longlong", f, v);
            }
        }
        for (String v : List.of("", "ab", "hello world", "x", "HMI_IC_720S")) {
            for (String f : List.of("%s", "%10s", "%-10s|", "%.2s", "%10.3s", "[%s]", "%.0s", "%-3.1s")) {
                add(DrmsType.STRING, "string", f, v);
            }
        }
        // an integer conversion of a floating keyword prints the value truncated toward zero (C would print garbage)
        for (double v : new double[] {2.7, -2.7, 22, -1, 1e15, 0.4}) {
            for (String f : List.of("%d", "%5d", "%-5d|", "%x", "%+d", "%.3d")) {
                add(DrmsType.DOUBLE, "truncated", f, v);
            }
        }

        Path input = dir.resolve("cases.tsv");
        StringBuilder b = new StringBuilder();
        for (Case c : cases) {
            b.append(c.kind()).append('\t').append(c.format()).append('\t').append(c.arg()).append('\n');
        }
        Files.writeString(input, b, StandardCharsets.UTF_8);
        List<String> expected = runOracle(dir, input);
        assertThat(expected).hasSize(cases.size());

        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            KeywordDef def = new KeywordDef("K", c.type(), RecScope.VARIABLE, false, "0", c.format(), "none", "",
                    null, null, false);
            String[] answers = expected.get(i).split(" ", -1);
            String want = new String(HexFormat.of().parseHex(answers[0]), StandardCharsets.UTF_8);
            String standard = new String(HexFormat.of().parseHex(answers[1]), StandardCharsets.UTF_8);
            String got = KeywordValues.format(c.value(), def);
            // glibc's %#g drops the zeros of a value that rounds up to the next power of ten (999999.5 gives
            // "1.e+06"); the C standard, and Python, give "1.00000e+06": we follow the standard there
            boolean glibcQuirk = c.format().contains("#") && c.format().toLowerCase().endsWith("g")
                    && standard.equals(got);
            if (!want.equals(got) && !glibcQuirk) {
                wrong.add(c.type() + " " + c.format() + " of " + c.value() + ": C prints [" + want + "], we print ["
                        + got + "]");
            }
        }
        assertThat(wrong).as("%d cases", cases.size()).isEmpty();
        assertThat(cases.size()).isGreaterThan(2000);
    }

    @Test
    void theIssuesExamples() {
        KeywordDef g = new KeywordDef("K", DrmsType.DOUBLE, RecScope.VARIABLE, false, "0", "%g", "none", "", null,
                null, false);
        assertThat(KeywordValues.format(-1.0, g)).isEqualTo("-1");
        assertThat(KeywordValues.format(22.0, g)).isEqualTo("22");
    }

    @Test
    void formatsWithoutExactlyOneConversionPrintWithTheTypesDefault() {
        for (String f : List.of("", "none", "%d %d", "%*d", "%n", "%p", "%.99999d")) {
            KeywordDef def = new KeywordDef("K", DrmsType.INT, RecScope.VARIABLE, false, "0", f, "none", "", null,
                    null, false);
            assertThat(KeywordValues.format(42, def)).as(f).isEqualTo("42");
        }
        KeywordDef s = new KeywordDef("K", DrmsType.DOUBLE, RecScope.VARIABLE, false, "0", "%s", "none", "", null,
                null, false);
        assertThat(KeywordValues.format(0.5, s)).isEqualTo("0.5"); // %g
    }

    static List<String> runOracle(Path dir, Path input) throws IOException, InterruptedException {
        Path script = dir.resolve("oracle.py");
        Files.writeString(script, ORACLE, StandardCharsets.UTF_8);
        Path out = dir.resolve("expected.txt");
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), input.toString())
                .redirectOutput(out.toFile()).redirectErrorStream(false)
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("stderr.txt"))).isZero();
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }
}
