package org.drmsbatch.drms.query;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.KeywordValues;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.Slots;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.time.Slot;
import org.drmsbatch.drms.types.DrmsType;

/**
 * Parses record-set queries (specs/drms.md §2.1) into a {@link Query}:
 * <pre>
 * query    := element { (',' | ';' | newline) element }
 * element  := '@' file | series [ws] { filter [ws] } [ '{' segments '}' ] [ '#' comment ]
 * filter   := '[' ']' | '[?' condition '?]' | '[!' condition '!]' | '[:' recnums ']' | '[' [KEY '='] values ']'
 * </pre>
 * Values are typed by the prime key they apply to; every error is a {@link QueryException} with the position.
 * A parsed query prints back ({@link Query#toString()}) to text that parses to an equal query.
 */
public final class QueryParser {

    /** A {@code KEY=value} line of {@code show-info -k} output, skipped in an {@code @file}. */
    private static final java.util.regex.Pattern SHOW_INFO_KEY_LINE =
            java.util.regex.Pattern.compile("[A-Za-z_*][A-Za-z0-9_*]*=.*");

    private static final int MAX_SERIES_NAME = 64;

    private static final Pattern INT = Pattern.compile("[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:nan|inf(?:inity)?))");
    /** A duration written where a time is expected: epoch + duration (slotted time keys, {@code [3000d/1d]}). */
    private static final Pattern DURATION_VALUE = Pattern.compile("([+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+))([smhdu])");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final SeriesLookup catalog;
    private final Path baseDir;
    private final ConditionParser conditions;

    /** A parser whose {@code @file} paths are relative to the working directory. */
    public QueryParser(SeriesLookup catalog) {
        this(catalog, Path.of(""));
    }

    /**
     * A parser whose {@code @file} paths are relative to {@code baseDir}; with {@code baseDir} null, {@code @file}
     * is refused (queries from the web or in job parameters must not read the server's files).
     */
    public QueryParser(SeriesLookup catalog, Path baseDir) {
        this(catalog, baseDir, ConditionParser.UNSUPPORTED);
    }

    /** A parser with the parser of {@code [? ?]} / {@code [! !]} conditions. */
    public QueryParser(SeriesLookup catalog, Path baseDir, ConditionParser conditions) {
        this.catalog = catalog;
        this.baseDir = baseDir;
        this.conditions = conditions;
    }

    /** This parser with another condition parser. */
    public QueryParser withConditions(ConditionParser conditionParser) {
        return new QueryParser(catalog, baseDir, conditionParser);
    }

    /**
     * Parses a query.
     *
     * @throws QueryException what is wrong and where (0-based position in {@code text}; for an error inside an
     *                        {@code @file} the query is the file's line and the reason names the file and line)
     */
    public Query parse(String text) {
        if (text == null) {
            throw new QueryException("", 0, "no query given");
        }
        return new Query(new Run(text, new ArrayDeque<>()).query(), text);
    }

    // ----------------------------------------------------------------------------------------------------------

    private static boolean isWs(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f';
    }

    private static boolean isDelimiter(char c) {
        return c == ',' || c == ';' || c == '\n';
    }

    /** One piece of a bracket body: its text (trimmed) and where it starts in the query. */
    private record Piece(String text, int pos) {
    }

    /** The parse of one text (the query, or one line of an {@code @file}). */
    private final class Run {
        private final String text;
        private final int n;
        private final Deque<Path> files;
        private int p;

        Run(String text, Deque<Path> files) {
            this.text = text;
            this.n = text.length();
            this.files = files;
        }

        private QueryException error(int pos, String reason) {
            return new QueryException(text, pos, reason);
        }

        private void skipWs() {
            while (p < n && isWs(text.charAt(p))) {
                p++;
            }
        }

        List<RecordSet> query() {
            List<RecordSet> sets = new ArrayList<>();
            boolean needElement = false;
            while (true) {
                skipWs();
                if (p == n) {
                    if (needElement) {
                        throw error(p, "empty record-set element after the delimiter");
                    }
                    break;
                }
                char c = text.charAt(p);
                if (c == '\n') {
                    p++;
                    continue;
                }
                if (c == ',' || c == ';') {
                    throw error(p, "empty record-set element");
                }
                needElement = false;
                element(sets);
                skipWs();
                if (p < n && text.charAt(p) == '#') {
                    while (p < n && !isDelimiter(text.charAt(p))) {
                        p++;
                    }
                }
                if (p == n) {
                    break;
                }
                c = text.charAt(p);
                if (c == ',' || c == ';') {
                    needElement = true;
                    p++;
                } else if (c == '\n') {
                    p++;
                } else {
                    throw error(p, "unexpected '" + c + "' after the record set (expected ',', ';', a newline or '#')");
                }
            }
            if (sets.isEmpty()) {
                throw error(0, "empty query");
            }
            return sets;
        }

        private void element(List<RecordSet> out) {
            char c = text.charAt(p);
            if (c == '@') {
                includeFile(out);
                return;
            }
            if (c == '/' || c == '.') {
                throw error(p, "plain-file record sets are not supported");
            }
            if (c == '{') {
                throw error(p, "DSDS and VOTable record sets are not supported");
            }
            if (!Character.isLetter(c) || c > 127) {
                throw error(p, "expected a series name, found '" + c + "'");
            }
            int start = p;
            while (p < n && (Character.isLetterOrDigit(text.charAt(p)) && text.charAt(p) < 128
                    || text.charAt(p) == '_' || text.charAt(p) == '.')) {
                p++;
            }
            String name = text.substring(start, p);
            if (name.length() > MAX_SERIES_NAME) {
                throw error(start, "series name longer than " + MAX_SERIES_NAME + " characters");
            }
            Optional<SeriesDefinition> found = catalog.find(name);
            if (found.isEmpty()) {
                throw error(start, "unknown series '" + name + "'");
            }
            SeriesDefinition def = found.get();
            List<Filter> filters = new ArrayList<>();
            int position = 0;
            boolean recnum = false;
            skipWs();
            while (p < n && text.charAt(p) == '[') {
                int open = p;
                Filter f = filter(def, position);
                if (f instanceof RecnumFilter) {
                    if (recnum) {
                        throw error(open, "only one record-number filter [:#...] is allowed");
                    }
                    recnum = true;
                } else if (f instanceof KeyFilter k && !k.named()) {
                    position++;
                }
                filters.add(f);
                skipWs();
            }
            List<String> segments = List.of();
            if (p < n && text.charAt(p) == '{') {
                segments = segments(def);
            }
            out.add(new RecordSet(def.name(), filters, segments));
        }

        // ------------------------------------------------------------------------------------------ @file

        private void includeFile(List<RecordSet> out) {
            int at = p;
            p++;
            int start = p;
            while (p < n && !isWs(text.charAt(p)) && !isDelimiter(text.charAt(p)) && text.charAt(p) != '#') {
                p++;
            }
            String name = text.substring(start, p);
            if (name.isEmpty()) {
                throw error(at, "'@' must be followed by a file name");
            }
            if (baseDir == null) {
                throw error(at, "@file is not allowed here: give the record sets themselves");
            }
            Path file;
            if (name.startsWith("~/")) {
                file = Path.of(System.getProperty("user.home")).resolve(name.substring(2));
            } else {
                file = baseDir.resolve(name);
            }
            Path key = file.toAbsolutePath().normalize();
            if (files.contains(key)) {
                throw error(start, "file '" + name + "' includes itself");
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw error(start, "no such file '" + name + "'");
            } catch (IOException | java.io.UncheckedIOException e) {
                throw error(start, "cannot read file '" + name + "': " + e.getMessage());
            }
            files.push(key);
            // whether the file has shown itself a query file: a line before read as record sets. Until then an
            // error names the line and column only, neither the line nor a reason (which may quote it): the file
            // may be any file (@/etc/passwd), whose content an error must not give away.
            int before = out.size();
            try {
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    String t = line.strip();
                    if (t.isEmpty() || SHOW_INFO_KEY_LINE.matcher(t).matches()) {
                        continue; // KEY=value lines of show-info -k output
                    }
                    if (t.startsWith("#")) {
                        // a comment, or the "# <record spec>" line that separates records in show-info -k output
                        String spec = t.substring(1).strip();
                        if (spec.contains("[")) {
                            try {
                                out.addAll(new Run(spec, files).query());
                            } catch (QueryException notASpec) {
                                // an ordinary comment
                            }
                        }
                        continue;
                    }
                    try {
                        out.addAll(new Run(line, files).query());
                    } catch (QueryException e) {
                        String where = "file " + name + ", line " + (i + 1);
                        if (out.size() > before) {
                            throw new QueryException(e.query(), e.position(), where + ": " + e.reason());
                        }
                        String reason = e instanceof HiddenFileLine ? e.reason()
                                : "not a record-set query (the line is not shown: no line before it is one)";
                        throw new HiddenFileLine(text, at, where + ", column " + (e.position() + 1) + ": " + reason);
                    }
                }
            } finally {
                files.pop();
            }
        }

        // ------------------------------------------------------------------------------------------ filters

        /** Index of the closing {@code close} after {@code from}, outside quotes, before a newline; -1 if none. */
        private int closing(int from, char close) {
            char quote = 0;
            for (int i = from; i < n; i++) {
                char c = text.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    } else if (c == '\n') {
                        return -1;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == close) {
                    return i;
                } else if (c == '\n') {
                    return -1;
                }
            }
            return -1;
        }

        private Filter filter(SeriesDefinition def, int position) {
            int open = p;
            char next = open + 1 < n ? text.charAt(open + 1) : 0;
            if (next == '?' || next == '!') {
                return condition(def, next == '!');
            }
            int close = closing(open + 1, ']');
            if (close < 0) {
                throw error(open, "unterminated '[' (no closing ']')");
            }
            p = close + 1;
            if (next == ':') {
                List<Piece> pieces = pieces(open + 2, close);
                List<IndexRange> ranges = new ArrayList<>();
                for (Piece piece : pieces) {
                    if (piece.text.isEmpty()) {
                        throw error(piece.pos, "empty record number");
                    }
                    ranges.add(indexRange(piece));
                }
                return new RecnumFilter(ranges);
            }
            // named?
            int i = open + 1;
            while (i < close && isWs(text.charAt(i))) {
                i++;
            }
            Matcher m = IDENT.matcher(text).region(i, close);
            if (m.lookingAt()) {
                int j = m.end();
                while (j < close && isWs(text.charAt(j))) {
                    j++;
                }
                if (j < close && text.charAt(j) == '=') {
                    String name = m.group();
                    int namePos = i;
                    KeywordDef k = def.keyword(name).orElseThrow(
                            () -> error(namePos, "series " + def.name() + " has no keyword '" + name + "'"));
                    String prime = def.primeKeys().stream().filter(pk -> pk.equalsIgnoreCase(name)).findFirst()
                            .orElse(k.isSlotted() ? k.name() : null);
                    if (prime == null) {
                        throw error(namePos, "'" + name + "' is not a prime key of " + def.name()
                                + " (prime keys: " + String.join(", ", def.primeKeys()) + ")");
                    }
                    List<KeyRange> ranges = ranges(def, def.keyword(prime).orElseThrow(), j + 1, close);
                    if (ranges.isEmpty()) {
                        throw error(j + 1, "no value for " + prime);
                    }
                    return new KeyFilter(prime, true, ranges);
                }
            }
            if (position >= def.primeKeys().size()) {
                throw error(open, "more positional filters than the " + def.primeKeys().size() + " prime keys of "
                        + def.name() + " (" + String.join(", ", def.primeKeys()) + ")");
            }
            String key = def.primeKeys().get(position);
            KeywordDef k = def.keyword(key).orElseThrow(() -> error(open, "prime key " + key + " is not defined"));
            return new KeyFilter(key, false, ranges(def, k, open + 1, close));
        }

        private Filter condition(SeriesDefinition def, boolean bang) {
            int open = p;
            char mark = bang ? '!' : '?';
            int from = open + 2;
            int close = -1;
            char quote = 0;
            for (int i = from; i < n; i++) {
                char c = text.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == mark && i + 1 < n && text.charAt(i + 1) == ']') {
                    close = i;
                    break;
                } else if (c == '?' && !bang) {
                    throw error(i, "'?' inside [? ?] must be followed by ']'");
                }
            }
            if (close < 0) {
                throw error(open, "unterminated '[" + mark + "' (no closing '" + mark + "]')");
            }
            String cond = text.substring(from, close);
            p = close + 2;
            if (cond.isBlank()) {
                throw error(from, "empty condition");
            }
            Expr e;
            try {
                e = conditions.parse(cond, from, def);
            } catch (QueryException qe) {
                if (qe.query().equals(text)) {
                    throw qe;
                }
                throw error(from + Math.max(0, Math.min(qe.position(), cond.length())), qe.reason());
            }
            return new WhereFilter(e, bang, files.isEmpty() ? from : -1); // a file's line: not in the query
        }

        /** The comma-separated pieces of {@code text[from, to)}, outside quotes, trimmed. */
        private List<Piece> pieces(int from, int to) {
            List<Piece> out = new ArrayList<>();
            int start = from;
            char quote = 0;
            for (int i = from; i <= to; i++) {
                char c = i < to ? text.charAt(i) : ',';
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                    continue;
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == ',') {
                    int s = start;
                    int e = i;
                    while (s < e && Character.isWhitespace(text.charAt(s))) {
                        s++;
                    }
                    while (e > s && Character.isWhitespace(text.charAt(e - 1))) {
                        e--;
                    }
                    out.add(new Piece(text.substring(s, e), s));
                    start = i + 1;
                }
            }
            return out;
        }

        private List<KeyRange> ranges(SeriesDefinition def, KeywordDef k, int from, int to) {
            List<Piece> pieces = pieces(from, to);
            if (pieces.size() == 1 && pieces.get(0).text.isEmpty()) {
                return List.of();
            }
            Slot slot = k.isSlotted() ? slotOf(def, k) : null;
            List<KeyRange> out = new ArrayList<>();
            for (Piece piece : pieces) {
                String s = piece.text;
                if (s.isEmpty()) {
                    throw error(piece.pos, "empty value in the list");
                }
                if (s.equals("^")) {
                    out.add(new KeyRange.First());
                } else if (s.equals("$")) {
                    out.add(new KeyRange.Last());
                } else if (s.startsWith("#")) {
                    out.add(new KeyRange.Indexed(indexRange(piece)));
                } else if (k.type() == DrmsType.TIME) {
                    out.add(timeRange(piece, k, slot));
                } else if (k.type() == DrmsType.STRING) {
                    out.add(stringValue(piece, k));
                } else {
                    out.add(numericRange(piece, k));
                }
            }
            return out;
        }

        // ------------------------------------------------------------------------------------------ # forms

        private IndexRange indexRange(Piece piece) {
            String s = piece.text;
            int base = piece.pos;
            if (!s.startsWith("#")) {
                throw error(base, "expected '#' (a record number or index), found '" + s + "'");
            }
            if (s.equals("#^")) {
                return new IndexRange.First();
            }
            if (s.equals("#$")) {
                return new IndexRange.Last();
            }
            int[] i = {1};
            Long from = indexNumber(s, i, base, false);
            if (i[0] == s.length()) {
                if (from == null) {
                    throw error(base, "bad index '" + s + "'");
                }
                return new IndexRange.Single(from);
            }
            char c = s.charAt(i[0]);
            if (c == '/' && from != null) {
                i[0]++;
                Long count = indexNumber(s, i, base, true);
                Long step = indexStep(s, i, base);
                return new IndexRange.Span(from, count, step);
            }
            if (c == '-') {
                i[0]++;
                if (i[0] >= s.length() || s.charAt(i[0]) != '#') {
                    throw error(base + i[0], "expected '#' after '-' in an index range");
                }
                i[0]++;
                Long to = indexNumber(s, i, base, false);
                Long step = indexStep(s, i, base);
                return new IndexRange.Between(from, to, step);
            }
            if (c == '@') {
                throw error(base + i[0], "a step '@' needs a range");
            }
            throw error(base + i[0], "unexpected '" + c + "' in index '" + s + "'");
        }

        private Long indexNumber(String s, int[] i, int base, boolean required) {
            Matcher m = INT.matcher(s).region(i[0], s.length());
            if (!m.lookingAt()) {
                if (required) {
                    throw error(base + i[0], "expected an integer");
                }
                return null;
            }
            Long v = cInteger(m.group());
            if (v == null) {
                throw error(base + i[0], "integer out of range '" + m.group() + "'");
            }
            i[0] = m.end();
            return v;
        }

        private Long indexStep(String s, int[] i, int base) {
            if (i[0] == s.length()) {
                return null;
            }
            if (s.charAt(i[0]) != '@') {
                throw error(base + i[0], "unexpected '" + s.charAt(i[0]) + "' in index range");
            }
            i[0]++;
            Long step = indexNumber(s, i, base, true);
            if (i[0] != s.length()) {
                throw error(base + i[0], "unexpected '" + s.charAt(i[0]) + "' after the step");
            }
            if (step <= 0) {
                throw error(base + i[0] - 1, "the step must be positive");
            }
            return step;
        }

        // ------------------------------------------------------------------------------------------ values

        private KeyRange stringValue(Piece piece, KeywordDef k) {
            String s = piece.text;
            char q = s.charAt(0);
            if (q != '\'' && q != '"') {
                return new KeyRange.Value(s);
            }
            StringBuilder sb = new StringBuilder();
            int i = 1;
            for (; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    sb.append(s.charAt(++i));
                } else if (c == q) {
                    break;
                } else {
                    sb.append(c);
                }
            }
            if (i >= s.length()) {
                throw error(piece.pos, "unterminated string");
            }
            if (i != s.length() - 1) {
                throw error(piece.pos + i + 1, "unexpected text after the quoted string");
            }
            return new KeyRange.Value(sb.toString());
        }

        private KeyRange numericRange(Piece piece, KeywordDef k) {
            String s = piece.text;
            int base = piece.pos;
            boolean integer = k.type().isInteger();
            Pattern number = integer ? INT : FLOAT;
            Matcher m = number.matcher(s);
            if (!m.lookingAt() || (m.end() < s.length() && "-/@ \t".indexOf(s.charAt(m.end())) < 0)) {
                throw error(base, "bad " + k.type() + " value '" + s + "' for " + k.name());
            }
            Object from = numericValue(m.group(), k, base);
            int i = skip(s, m.end());
            if (i == s.length()) {
                return new KeyRange.Value(from);
            }
            char c = s.charAt(i);
            KeyRange.Step step;
            if (c == '-') {
                i = skip(s, i + 1);
                m = number.matcher(s).region(i, s.length());
                if (!m.lookingAt()) {
                    throw error(base + i, "bad " + k.type() + " value at the end of the range for " + k.name());
                }
                Object to = numericValue(m.group(), k, base + i);
                i = skip(s, m.end());
                step = numericStep(s, i, base, k);
                return new KeyRange.Between(from, to, step);
            }
            if (c == '/') {
                i = skip(s, i + 1);
                m = FLOAT.matcher(s).region(i, s.length());
                if (!m.lookingAt()) {
                    throw error(base + i, "bad length after '/' for " + k.name());
                }
                double length = Double.parseDouble(m.group());
                i = m.end();
                boolean slots = false;
                if (i < s.length() && s.charAt(i) == 'u') {
                    if (!k.isSlotted()) {
                        throw error(base + i, "'u' (slots) needs a slotted key; " + k.name() + " is not");
                    }
                    slots = true;
                    i++;
                }
                if (!(length > 0)) {
                    throw error(base + m.start(), "the length after '/' must be positive");
                }
                i = skip(s, i);
                step = numericStep(s, i, base, k);
                return new KeyRange.Span(from, length, slots, step);
            }
            if (c == '@') {
                throw error(base + i, "a step '@' needs a range");
            }
            throw error(base + i, "unexpected '" + c + "' in the value for " + k.name());
        }

        private KeyRange.Step numericStep(String s, int i, int base, KeywordDef k) {
            if (i == s.length()) {
                return null;
            }
            if (s.charAt(i) != '@') {
                throw error(base + i, "unexpected '" + s.charAt(i) + "' in the value for " + k.name());
            }
            i = skip(s, i + 1);
            Matcher m = FLOAT.matcher(s).region(i, s.length());
            if (!m.lookingAt()) {
                throw error(base + i, "bad step after '@' for " + k.name());
            }
            double amount = Double.parseDouble(m.group());
            int j = m.end();
            boolean slots = false;
            if (j < s.length() && s.charAt(j) == 'u') {
                if (!k.isSlotted()) {
                    throw error(base + j, "'u' (slots) needs a slotted key; " + k.name() + " is not");
                }
                slots = true;
                j++;
            }
            if (skip(s, j) != s.length()) {
                throw error(base + skip(s, j), "unexpected text after the step");
            }
            if (!(amount > 0)) {
                throw error(base + i, "the step must be positive");
            }
            return new KeyRange.Step(amount, slots);
        }

        private Object numericValue(String token, KeywordDef k, int pos) {
            DrmsType t = k.type();
            if (t.isInteger()) {
                Long v = cInteger(token);
                if (v == null || v < t.minValue() || v > t.maxValue()) {
                    throw error(pos, "value " + token + " out of range for " + t + " key " + k.name());
                }
                return v;
            }
            String lower = token.toLowerCase(Locale.ROOT);
            double d;
            if (lower.contains("nan")) {
                d = Double.NaN;
            } else if (lower.contains("inf")) {
                d = lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            } else {
                d = Double.parseDouble(token);
            }
            return d;
        }

        private KeyRange timeRange(Piece piece, KeywordDef k, Slot slot) {
            String s = piece.text;
            int base = piece.pos;
            int at = s.indexOf('@');
            String main = at < 0 ? s : s.substring(0, at);
            KeyRange.Step step = null;
            if (at >= 0) {
                Duration d = duration(s.substring(at + 1), base + at + 1, k);
                step = new KeyRange.Step(d.amount, d.slots);
            }
            int slash = main.indexOf('/');
            if (slash >= 0) {
                Double from = time(main.substring(0, slash), slot);
                if (from == null) {
                    throw error(base, "bad time value '" + main.substring(0, slash).strip() + "' for " + k.name());
                }
                Duration d = duration(main.substring(slash + 1), base + slash + 1, k);
                return new KeyRange.Span(new KeyRange.TimeValue(from), d.amount, d.slots, step);
            }
            Double v = time(main, slot);
            if (v != null) {
                if (step != null) {
                    throw error(base + at, "a step '@' needs a range");
                }
                return new KeyRange.Value(new KeyRange.TimeValue(v));
            }
            for (int i = main.indexOf('-', 1); i > 0; i = main.indexOf('-', i + 1)) {
                Double a = time(main.substring(0, i), slot);
                if (a == null) {
                    continue;
                }
                Double b = time(main.substring(i + 1), slot);
                if (b != null) {
                    return new KeyRange.Between(new KeyRange.TimeValue(a), new KeyRange.TimeValue(b), step);
                }
            }
            String detail = "";
            try {
                DrmsTime.parse(main.strip());
            } catch (RuntimeException e) {
                detail = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
            }
            throw error(base, "bad time value '" + main.strip() + "' for " + k.name() + detail);
        }

        /** A time (TAI seconds), or a duration from the slotted key's epoch; null when the text is neither. */
        private Double time(String t, Slot slot) {
            String s = t.strip();
            if (s.isEmpty()) {
                return null;
            }
            Matcher m = DURATION_VALUE.matcher(s);
            if (m.matches()) {
                if (slot == null) {
                    return null;
                }
                double amount = Double.parseDouble(m.group(1));
                String unit = m.group(2);
                return slot.base() + amount * (unit.equals("u") ? slot.step() : DrmsTime.unitSeconds(unit));
            }
            try {
                double v = DrmsTime.parse(s);
                return Double.isFinite(v) ? v : null;
            } catch (RuntimeException e) {
                return null;
            }
        }

        private record Duration(double amount, boolean slots) {
        }

        /** A duration in seconds, or with {@code u} a number of slots (slotted keys only). */
        private Duration duration(String t, int pos, KeywordDef k) {
            int lead = 0;
            while (lead < t.length() && Character.isWhitespace(t.charAt(lead))) {
                lead++;
            }
            String s = t.strip();
            int at = pos + lead;
            if (s.isEmpty()) {
                throw error(at, "missing duration");
            }
            Duration d;
            if (s.endsWith("u")) {
                if (!k.isSlotted()) {
                    throw error(at + s.length() - 1, "'u' (slots) needs a slotted key; " + k.name() + " is not");
                }
                Matcher m = FLOAT.matcher(s.substring(0, s.length() - 1).strip());
                if (!m.matches()) {
                    throw error(at, "bad duration '" + s + "'");
                }
                d = new Duration(Double.parseDouble(m.group()), true);
            } else {
                try {
                    d = new Duration(DrmsTime.parseDuration(s), false);
                } catch (RuntimeException e) {
                    throw error(at, "bad duration '" + s + "' (a number with s, m, h, d"
                            + (k.isSlotted() ? " or u" : "") + ")");
                }
            }
            if (!(d.amount > 0) || Double.isInfinite(d.amount)) {
                throw error(at, "the duration must be positive");
            }
            return d;
        }

        // ------------------------------------------------------------------------------------------ segments

        private List<String> segments(SeriesDefinition def) {
            int open = p;
            int close = text.indexOf('}', open + 1);
            int newline = text.indexOf('\n', open + 1);
            if (close < 0 || (newline >= 0 && newline < close)) {
                throw error(open, "unterminated '{' (no closing '}')");
            }
            List<String> out = new ArrayList<>();
            int i = open + 1;
            while (i < close) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c) || c == ',' || c == ';' || c == ':') {
                    i++;
                    continue;
                }
                int start = i;
                while (i < close && !Character.isWhitespace(text.charAt(i)) && ",;:".indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                String name = text.substring(start, i);
                for (int j = 0; j < name.length(); j++) {
                    char ch = name.charAt(j);
                    if (!(Character.isLetterOrDigit(ch) || ch == '_' || ch == '.' || ch == '-')) {
                        throw error(start + j, "unexpected '" + ch + "' in segment name");
                    }
                }
                Optional<SegmentDef> seg = def.segment(name);
                if (seg.isEmpty()) {
                    throw error(start, "series " + def.name() + " has no segment '" + name + "'");
                }
                out.add(seg.get().name());
            }
            p = close + 1;
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static int skip(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The slot of a slotted keyword from the series' constant ancillary keywords; null when it has none. */
    static Slot slotOf(SeriesDefinition def, KeywordDef k) {
        try {
            return Slots.of(def, k);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A C base-0 integer literal (decimal, 0x hex, 0 octal) that fits a long; null otherwise. */
    static Long cInteger(String token) {
        BigInteger b = KeywordValues.parseCBigInteger(token);
        return b == null || b.bitLength() > 63 ? null : b.longValue();
    }

    /**
     * An error in a file included with {@code @file} that has not shown itself a query file: it gives the position
     * of the {@code @} in the including text, and the file's line and column, but none of the file's content.
     */
    private static final class HiddenFileLine extends QueryException {
        HiddenFileLine(String query, int position, String reason) {
            super(query, position, reason);
        }
    }
}
