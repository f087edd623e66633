package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.KeywordStatus;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of the record-set query language (specs/drms.md §2.4: the 35 forms, their edge and negative cases).
 * The fixture series are {@code query/jsd/*.jsd}, their records {@code query/data/<series>.jsonl} (recnum = line
 * number), and the expected answers {@code query/golden.tsv}: all three written by the independent script
 * {@code query/make_golden.py}, never by running this code. Regenerate with
 * {@code /usr/bin/python3 src/test/resources/query/make_golden.py}.
 * <p>
 * A golden line is {@code query TAB n TAB expected TAB comment}: expected is the recnums in result order (empty for
 * an empty answer) or {@code ERROR p} / {@code ERROR p|q}, a {@link QueryException} at one of the 0-based
 * positions (several where the spec does not pin the spot). {@code \n} in a query is a newline, and
 * {@code @specs.txt} becomes the absolute path of that resource. The loader checks that records are numbered
 * 1..N in file order and that the catalog's {@code T_REC_index} equals the one the script computed.
 */
class GoldenQueryTest extends CatalogTestSupport {

    /** Series name (lower case) to why it could not be created or loaded; absent when it loaded. */
    private static final Map<String, String> broken = new ConcurrentHashMap<>();
    private static volatile boolean loaded;

    static Path resource(String name) {
        try {
            return Path.of(GoldenQueryTest.class.getResource("/query/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates and loads every fixture series once per test JVM (the Spring context, so the database, is shared). */
    @BeforeEach
    void loadFixtures() throws IOException {
        synchronized (GoldenQueryTest.class) {
            if (loaded) {
                return;
            }
            List<Path> jsds;
            try (Stream<Path> s = Files.list(resource("jsd"))) {
                jsds = s.filter(p -> p.toString().endsWith(".jsd")).sorted().toList();
            }
            for (Path jsd : jsds) {
                String series = jsd.getFileName().toString().replaceAll("\\.jsd$", "");
                try {
                    drms.createSeries(new JsdParser().parse(jsd), false);
                    load(series, resource("data/" + series + ".jsonl"));
                } catch (RuntimeException | AssertionError e) {
                    broken.put(series.toLowerCase(Locale.ROOT), e.toString());
                }
            }
            loaded = true;
        }
    }

    private void load(String series, Path jsonl) throws IOException {
        List<Map<String, Object>> rows = Files.readAllLines(jsonl, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).map(GoldenQueryTest::parseObject).toList();
        drms.inSession(s -> {
            List<Record> rs = s.create(series, rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Record r = rs.get(i);
                assertThat(r.recnum()).as("%s: recnum of row %d (a fresh series numbers from 1)", series, i + 1)
                        .isEqualTo(i + 1L);
                for (Map.Entry<String, Object> e : rows.get(i).entrySet()) {
                    if (e.getKey().startsWith("#")) {
                        continue;
                    }
                    KeywordStatus st = r.set(e.getKey(), e.getValue());
                    assertThat(st.ok()).as("%s row %d: set %s = %s gave %s", series, i + 1, e.getKey(), e.getValue(),
                            st).isTrue();
                }
                for (Map.Entry<String, Object> e : rows.get(i).entrySet()) {
                    if (e.getKey().startsWith("#")) {  // the slot index make_golden.py computed for this row
                        assertThat(((Number) r.get(e.getKey().substring(1))).longValue())
                                .as("%s row %d: %s", series, i + 1, e.getKey().substring(1))
                                .isEqualTo(((Number) e.getValue()).longValue());
                    }
                }
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    static Stream<Arguments> golden() throws IOException {
        List<Arguments> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(resource("golden.tsv"), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length < 3) {
                throw new IllegalStateException("golden.tsv:" + (i + 1) + ": expected query, n, expected[, comment]");
            }
            out.add(Arguments.of(i + 1, f[0], Integer.parseInt(f[1]), f[2], f.length > 3 ? f[3] : ""));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "golden.tsv:{0} {1} n={2} ({4})")
    @MethodSource("golden")
    void query(int line, String text, int n, String expected, String comment) {
        String query = text.replace("\\n", "\n");
        if (query.startsWith("@specs.txt")) {
            query = "@" + resource("specs.txt").toAbsolutePath() + query.substring("@specs.txt".length());
        }
        String lower = (text.startsWith("@specs.txt") ? readSpecs() : query).toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> b : broken.entrySet()) {
            if (Pattern.compile("(?<![\\w.])" + Pattern.quote(b.getKey()) + "(?![\\w.])").matcher(lower).find()) {
                fail("fixture series " + b.getKey() + " could not be set up: " + b.getValue());
            }
        }
        RecordSets sets = new RecordSets(drms);
        if (expected.startsWith("ERROR")) {
            List<Integer> positions = Arrays.stream(expected.substring("ERROR".length()).trim().split("\\|"))
                    .map(Integer::parseInt).toList();
            try {
                List<Record> got = sets.open(query, n);
                fail("expected a QueryException at " + positions + " for " + query + " (" + comment + "), got "
                        + got.stream().map(Record::recnum).toList());
            } catch (QueryException e) {
                assertThat(e.position()).as("position of: %s", e.getMessage()).isIn(positions);
            }
            return;
        }
        List<Long> want = expected.isBlank() ? List.of()
                : Arrays.stream(expected.trim().split(" ")).map(Long::parseLong).toList();
        List<Long> got = sets.open(query, n).stream().map(Record::recnum).toList();
        assertThat(got).as("%s n=%d (%s)", query, n, comment).isEqualTo(want);
        if (n == 0) {
            assertThat(sets.count(query)).as("count of %s", query).isEqualTo(want.size());
        }
    }

    private static String readSpecs() {
        try {
            return Files.readString(resource("specs.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- a small reader for the flat JSON objects of the .jsonl files (string and number values only) ----

    static Map<String, Object> parseObject(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        int[] p = {skip(text, 0)};
        expect(text, p, '{');
        if (peek(text, p) == '}') {
            p[0]++;
            return out;
        }
        while (true) {
            String key = string(text, p);
            expect(text, p, ':');
            char c = peek(text, p);
            Object v = c == '"' ? string(text, p) : number(text, p);
            out.put(key, v);
            char d = peek(text, p);
            p[0]++;
            if (d == '}') {
                return out;
            }
            if (d != ',') {
                throw new IllegalArgumentException("bad JSON at " + p[0] + ": " + text);
            }
        }
    }

    private static int skip(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }

    private static char peek(String t, int[] p) {
        p[0] = skip(t, p[0]);
        if (p[0] >= t.length()) {
            throw new IllegalArgumentException("truncated JSON: " + t);
        }
        return t.charAt(p[0]);
    }

    private static void expect(String t, int[] p, char c) {
        if (peek(t, p) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + p[0] + ": " + t);
        }
        p[0]++;
    }

    private static String string(String t, int[] p) {
        expect(t, p, '"');
        StringBuilder sb = new StringBuilder();
        while (t.charAt(p[0]) != '"') {
            char c = t.charAt(p[0]++);
            if (c == '\\') {
                char e = t.charAt(p[0]++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(t.substring(p[0], p[0] + 4), 16));
                        p[0] += 4;
                    }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        p[0]++;
        return sb.toString();
    }

    private static Object number(String t, int[] p) {
        int start = p[0];
        while (p[0] < t.length() && "+-0123456789.eE".indexOf(t.charAt(p[0])) >= 0) {
            p[0]++;
        }
        String s = t.substring(start, p[0]);
        if (s.contains(".") || s.contains("e") || s.contains("E")) {
            return Double.parseDouble(s);
        }
        long v = Long.parseLong(s);
        return v == (int) v ? (Object) (int) v : (Object) v;
    }
}
