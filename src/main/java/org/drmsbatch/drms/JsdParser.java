package org.drmsbatch.drms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;

/**
 * Parses JSD (JSOC series definition) files into a {@link SeriesDefinition}, following {@code drms_parse_description}
 * (specs/drms.md §1 and §3).
 *
 * <p>Lines are {@code <Word>: payload}; the word is matched case-insensitively as a prefix. The file is read in
 * independent passes (series information, {@code Data:}, {@code Link:}, {@code Keyword:}, {@code PrimeKeys:},
 * {@code DBIndex:}), so line order matters only for keyword rank and segment numbers. Errors are
 * {@link JsdException}s naming file and line; warnings (things DRMS accepts but that are probably mistakes) are
 * collected on the {@link Result}.
 */
public final class JsdParser {

    /** A parsed definition with the warnings found on the way, each prefixed by {@code file:line:}. */
    public record Result(SeriesDefinition definition, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    /** Keyword names without {@code _} that are refused (PostgreSQL reserved words, {@code kKEYNAMERESERVED}). */
    static final Set<String> RESERVED_NAMES = Set.of(
            "ALL", "ANALYSE", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "ASYMMETRIC", "BOTH", "CASE", "CAST",
            "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "CREATE", "DEFAULT", "DEFERRABLE", "DESC", "DISTINCT", "DO",
            "ELSE", "END", "EXCEPT", "FALSE", "FOR", "FOREIGN", "FROM", "GRANT", "GROUP", "HAVING", "IN", "INITIALLY",
            "INTERSECT", "INTO", "LEADING", "LIMIT", "LOCALTIME", "LOCALTIMESTAMP", "NEW", "NOT", "NULL", "OFF",
            "OFFSET", "OLD", "ON", "ONLY", "OR", "ORDER", "PLACING", "PRIMARY", "REFERENCES", "RETURNING", "SELECT",
            "SOME", "SYMMETRIC", "TABLE", "THEN", "TO", "TRAILING", "TRUE", "UNION", "UNIQUE", "USER", "USING", "WHEN",
            "WHERE", "AUTHORIZATION", "BETWEEN", "BINARY", "CROSS", "FREEZE", "FULL", "ILIKE", "INNER", "IS", "ISNULL",
            "JOIN", "LEFT", "LIKE", "NATURAL", "NOTNULL", "OUTER", "OVERLAPS", "RIGHT", "SIMILAR", "VERBOSE");

    /** Suffixes (from the first {@code _}) that are refused in keyword names. */
    static final Set<String> RESERVED_SUFFIXES = Set.of("_INDEX");

    /** Names of the epochs a time default may be given as (§3, {@code gSEpochS}). */
    static final Set<String> EPOCH_NAMES = Set.of("DRMS_EPOCH", "MDI_EPOCH", "WSO_EPOCH", "TAI_EPOCH", "MJD_EPOCH",
            "TSEQ_EPOCH");

    static final int MAX_NAME_LEN = 31;
    static final int MAX_SERIES_NAME_LEN = 64;
    static final int MAX_PRIME_KEYS = 15;
    static final int MAX_DB_INDEX = 10;
    static final int MAX_SEGMENTS = 255;
    static final int MAX_RANK = 16;
    static final String TYPE_LIST = "char, short, int, longlong, float, double, time, string";
    static final String RECSCOPE_LIST = "constant, variable, ts_eq, ts_slot, slot, enum, carr";
    static final String PROTOCOL_LIST = "generic, bin, bin.gz, fitz, fits, tas";

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SEGMENT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
    private static final Pattern SERIES_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.]*");
    private static final Pattern INT = Pattern.compile("[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern LEADING_INT = Pattern.compile("^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern NUMBER =
            Pattern.compile("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?(nan|inf|infinity)",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern STEP = Pattern.compile(
            "\\s*([-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?)\\s*([A-Za-z]*)\\s*");
    private static final Pattern CONVERSION = Pattern.compile("%[-+ #0']*[0-9]*(\\.[0-9]*)?(hh|h|ll|l|L|q|j|z|t)?([a-zA-Z%])");

    private List<String> lastWarnings = List.of();

    /** Parses a JSD file; the file name (not the full path) is used in messages. */
    public SeriesDefinition parse(Path file) {
        return read(file).definition();
    }

    /** Parses JSD text; {@code fileName} is used in messages. Warnings are kept in {@link #warnings()}. */
    public SeriesDefinition parse(String fileName, String text) {
        return read(fileName, text).definition();
    }

    /** Parses a JSD file and returns the definition with its warnings. */
    public Result read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read JSD file " + file, e);
        }
        Path fn = file.getFileName();
        return read(fn == null ? file.toString() : fn.toString(), new String(bytes, StandardCharsets.UTF_8));
    }

    /** Parses JSD text and returns the definition with its warnings. */
    public Result read(String fileName, String text) {
        Run run = new Run(fileName == null ? "<jsd>" : fileName);
        SeriesDefinition def = run.parse(text);
        lastWarnings = List.copyOf(run.warnings);
        return new Result(def, run.warnings);
    }

    /** The warnings of the last {@code parse}/{@code read} call on this parser. */
    public List<String> warnings() {
        return lastWarnings;
    }

    // ------------------------------------------------------------------------------------------------------------

    private enum Tag {
        SERIESNAME("seriesname"), VERSION("version"), DESCRIPTION("description"), OWNER("owner"), AUTHOR("author"),
        ARCHIVE("archive"), UNITSIZE("unitsize"), TAPEGROUP("tapegroup"), RETENTION("retention"),
        STAGINGRETENTION("stagingretention"), CREATESHADOW("createshadow"), DATA("data"), LINK("link"),
        KEYWORD("keyword"), PRIMEKEYS("primekeys"), INDEX("index"), DBINDEX("dbindex");

        final String prefix;

        Tag(String prefix) {
            this.prefix = prefix;
        }

        String label() {
            return switch (this) {
                case SERIESNAME -> "Seriesname";
                case STAGINGRETENTION -> "StagingRetention";
                case CREATESHADOW -> "CreateShadow";
                case PRIMEKEYS -> "PrimeKeys";
                case DBINDEX -> "DBIndex";
                default -> prefix.substring(0, 1).toUpperCase(Locale.ROOT) + prefix.substring(1);
            };
        }

        static Tag of(String word) {
            String w = word.toLowerCase(Locale.ROOT);
            for (Tag t : values()) {
                if (w.startsWith(t.prefix)) {
                    return t;
                }
            }
            return null;
        }
    }

    private record Line(int no, Tag tag, String word, String payload) {
    }

    private record Tok(String text, boolean quoted) {
    }

    /** The state of one parse. */
    private static final class Run {
        final String file;
        final List<String> warnings = new ArrayList<>();
        final List<Line> lines = new ArrayList<>();
        final List<SegmentDef> segments = new ArrayList<>();
        final Map<String, Integer> segmentLines = new HashMap<>();
        final List<LinkDef> links = new ArrayList<>();
        final List<KeywordDef> keywords = new ArrayList<>();
        /** keyword name (lower case) to its line; per-segment keywords by their base name too. */
        final Map<String, Integer> keywordLines = new HashMap<>();
        final Map<String, Integer> perSegmentBase = new HashMap<>();

        Run(String file) {
            this.file = file;
        }

        JsdException error(int line, String what) {
            return new JsdException(file, line, what);
        }

        void warn(int line, String what) {
            warnings.add(line > 0 ? file + ":" + line + ": " + what : file + ": " + what);
        }

        SeriesDefinition parse(String text) {
            split(text);
            // pass 1: series information
            String name = null;
            String author = "";
            String owner = "";
            String description = "";
            String version = "";
            int unitSize = 0;
            int unitSizeLine = 0;
            int archive = 0;
            int retention = 0;
            int stagingRetention = 0;
            int tapeGroup = 0;
            boolean createShadow = false;
            for (Line l : lines) {
                switch (l.tag()) {
                    case SERIESNAME -> {
                        name = stringValue(l);
                        checkSeriesName(l.no(), name);
                    }
                    case AUTHOR -> author = stringValue(l);
                    case OWNER -> owner = stringValue(l);
                    case DESCRIPTION -> description = stringValue(l);
                    case VERSION -> version = stringValue(l);
                    case UNITSIZE -> {
                        unitSize = intValue(l);
                        unitSizeLine = l.no();
                        if (unitSize < 1) {
                            throw error(l.no(), "Unitsize: the unit size must be at least 1, but it is " + unitSize);
                        }
                    }
                    case ARCHIVE -> {
                        archive = intValue(l);
                        if (archive < -1 || archive > 1) {
                            warn(l.no(), "Archive: only -1, 0 and 1 are accepted, found " + archive + "; using 0");
                            archive = 0;
                        }
                    }
                    case RETENTION -> retention = retentionValue(l);
                    case STAGINGRETENTION -> stagingRetention = retentionValue(l);
                    case TAPEGROUP -> tapeGroup = intValue(l);
                    case CREATESHADOW -> createShadow = intValue(l) != 0;
                    default -> {
                    }
                }
            }
            if (name == null) {
                throw error(0, "Seriesname: missing; every JSD file needs a 'Seriesname: <namespace>.<name>' line");
            }
            // pass 2: segments; pass 3: links (segments may refer to links, so links are read first here)
            for (Line l : lines) {
                if (l.tag() == Tag.LINK) {
                    parseLink(l);
                }
            }
            for (Line l : lines) {
                if (l.tag() == Tag.DATA) {
                    parseSegment(l);
                }
            }
            if (segments.size() > MAX_SEGMENTS) {
                throw error(0, "Data: at most " + MAX_SEGMENTS + " segments are allowed, found " + segments.size());
            }
            if (!segments.isEmpty() && unitSize < 1) {
                throw error(unitSizeLine, "Unitsize: the series has segments, so Unitsize must be at least 1");
            }
            // pass 4: keywords
            for (Line l : lines) {
                if (l.tag() == Tag.KEYWORD) {
                    parseKeyword(l);
                }
            }
            List<KeywordDef> slotted = keywords.stream().filter(KeywordDef::isSlotted).toList();
            for (KeywordDef k : keywords) {
                String n = k.name();
                if (n.length() > 6 && n.toLowerCase(Locale.ROOT).endsWith("_index")) {
                    String base = n.substring(0, n.length() - 6);
                    if (slotted.stream().anyMatch(s -> s.name().equalsIgnoreCase(base))) {
                        throw error(line(n), "Keyword: '" + n + "' may not be declared: index keywords of slotted"
                                + " keywords are created automatically");
                    }
                }
            }
            for (KeywordDef k : slotted) {
                checkSlotted(k);
            }
            // pass 5: prime keys; pass 6: DB index
            List<String> primeKeys = new ArrayList<>();
            List<String> dbIndex = new ArrayList<>();
            Line pk = first(Tag.PRIMEKEYS, Tag.INDEX);
            if (pk != null) {
                for (String key : nameList(pk)) {
                    KeywordDef k = resolveKey(pk, key, "PrimeKeys");
                    if (k.perSegment()) {
                        throw error(pk.no(), "PrimeKeys: '" + key + "' is a per-segment keyword and cannot be prime");
                    }
                    if (k.isConstant()) {
                        warn(pk.no(), "PrimeKeys: '" + key + "' is a constant keyword");
                    }
                    if (primeKeys.stream().anyMatch(p -> p.equalsIgnoreCase(k.name()))) {
                        throw error(pk.no(), "PrimeKeys: '" + key + "' is listed twice");
                    }
                    primeKeys.add(k.name());
                    if (primeKeys.size() > MAX_PRIME_KEYS) {
                        throw error(pk.no(), "PrimeKeys: at most " + MAX_PRIME_KEYS + " prime keys are allowed");
                    }
                }
            }
            for (KeywordDef k : slotted) {
                if (primeKeys.stream().noneMatch(p -> p.equalsIgnoreCase(k.name()))) {
                    throw error(line(k.name()), "Keyword: slotted keyword '" + k.name() + "' ("
                            + k.recScope().jsdName() + ") must be listed in PrimeKeys:");
                }
            }
            Line dbi = first(Tag.DBINDEX);
            if (dbi != null) {
                for (String key : nameList(dbi)) {
                    KeywordDef k = resolveKey(dbi, key, "DBIndex");
                    if (k.perSegment()) {
                        warn(dbi.no(), "DBIndex: per-segment keyword '" + key + "' ignored");
                        continue;
                    }
                    if (dbIndex.stream().anyMatch(p -> p.equalsIgnoreCase(k.name()))) {
                        warn(dbi.no(), "DBIndex: '" + key + "' listed twice; ignored the second time");
                        continue;
                    }
                    dbIndex.add(k.name());
                    if (dbIndex.size() > MAX_DB_INDEX) {
                        throw error(dbi.no(), "DBIndex: at most " + MAX_DB_INDEX + " keywords may be indexed");
                    }
                }
            }
            // implicit keywords, after the explicit ones
            List<KeywordDef> all = new ArrayList<>(keywords);
            for (KeywordDef k : slotted) {
                all.add(new KeywordDef(k.name() + "_index", DrmsType.LONGLONG, RecScope.INDEX, false,
                        KeywordValues.MISSING_LITERAL, "%lld", "none", "Index keyword associated with " + k.name(),
                        null, null, true));
            }
            for (SegmentDef s : segments) {
                if (s.isLink() || !s.protocol().scalable()) {
                    continue;
                }
                all.add(new KeywordDef(s.name() + "_bzero", DrmsType.DOUBLE, RecScope.VARIABLE, false,
                        JsdParser.number(s.bzero()), "%g", "none", "", null, null, true));
                all.add(new KeywordDef(s.name() + "_bscale", DrmsType.DOUBLE, RecScope.VARIABLE, false,
                        JsdParser.number(s.bscale()), "%g", "none", "", null, null, true));
                String cp = s.cparms() == null || s.cparms().trim().equalsIgnoreCase("none") ? "" : s.cparms();
                all.add(new KeywordDef(String.format(Locale.ROOT, "cparms_sg%03d", s.segnum()), DrmsType.STRING,
                        RecScope.VARIABLE, false, cp, "%s", "none", "", null, null, true));
            }
            for (int i = keywords.size(); i < all.size(); i++) {
                KeywordDef imp = all.get(i);
                for (int j = 0; j < i; j++) {
                    if (all.get(j).name().equalsIgnoreCase(imp.name())) {
                        throw error(line(all.get(j).name()), "Keyword: '" + all.get(j).name()
                                + "' clashes with a keyword DRMS creates itself");
                    }
                }
            }
            return new SeriesDefinition(name, author, owner, unitSize, archive, retention, stagingRetention,
                    tapeGroup, primeKeys, dbIndex, description, version, createShadow, all, links, segments);
        }

        // ---------------------------------------------------------------------------------------- lines, tokens

        void split(String text) {
            int cr = text.indexOf('\r');
            if (cr >= 0) {
                int no = 1;
                for (int i = 0; i < cr; i++) {
                    if (text.charAt(i) == '\n') {
                        no++;
                    }
                }
                throw error(no, "DRMS does not support JSD files with Mac/Windows line endings");
            }
            String[] raw = text.split("\n", -1);
            for (int i = 0; i < raw.length; i++) {
                String s = raw[i];
                int p = 0;
                while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
                    p++;
                }
                if (p == s.length() || s.charAt(p) == '#') {
                    continue;
                }
                int w = p;
                while (w < s.length() && Character.isLetter(s.charAt(w)) && s.charAt(w) < 128) {
                    w++;
                }
                String word = s.substring(p, w);
                int c = w;
                while (c < s.length() && (s.charAt(c) == ' ' || s.charAt(c) == '\t')) {
                    c++;
                }
                if (c >= s.length() || s.charAt(c) != ':' || word.isEmpty()) {
                    throw error(i + 1, "expected '<Word>:' (Seriesname:, Keyword:, Data:, ...) at the start of the"
                            + " line, found '" + abbreviate(s.substring(p)) + "'");
                }
                Tag tag = Tag.of(word);
                if (tag == null) {
                    warn(i + 1, "unknown line type '" + word + ":' ignored");
                    continue;
                }
                lines.add(new Line(i + 1, tag, word, s.substring(c + 1)));
            }
        }

        /** Splits a payload into comma-separated tokens; text after a token not followed by a comma is trailing. */
        Fields fields(Line l) {
            String s = l.payload();
            List<Tok> toks = new ArrayList<>();
            String trailing = null;
            int i = 0;
            int n = s.length();
            boolean afterComma = false;
            while (true) {
                i = skipBlanks(s, i);
                if (i >= n) {
                    if (afterComma) {
                        throw error(l.no(), l.tag().label() + ": expected a value after the last ','");
                    }
                    break;
                }
                char c = s.charAt(i);
                if (c == '"' || c == '\'') {
                    int j = s.indexOf(c, i + 1);
                    if (j < 0) {
                        throw error(l.no(), l.tag().label() + ": unterminated quoted string " + abbreviate(s.substring(i)));
                    }
                    toks.add(new Tok(s.substring(i + 1, j), true));
                    i = j + 1;
                } else {
                    int j = i;
                    while (j < n && s.charAt(j) != ' ' && s.charAt(j) != '\t' && s.charAt(j) != ',') {
                        j++;
                    }
                    toks.add(new Tok(s.substring(i, j), false));
                    i = j;
                }
                i = skipBlanks(s, i);
                if (i >= n) {
                    break;
                }
                if (s.charAt(i) == ',') {
                    i++;
                    afterComma = true;
                    continue;
                }
                trailing = s.substring(i).trim();
                break;
            }
            return new Fields(l, toks, trailing);
        }

        final class Fields {
            final Line line;
            final List<Tok> toks;
            final String trailing;
            int pos;

            Fields(Line line, List<Tok> toks, String trailing) {
                this.line = line;
                this.toks = toks;
                this.trailing = trailing;
            }

            int remaining() {
                return toks.size() - pos;
            }

            /** The next token, which must be present and (unless quoted) non-empty. */
            Tok next(String what) {
                if (pos >= toks.size()) {
                    if (trailing != null && !toks.isEmpty()) {
                        throw fail("expected ',' after '" + toks.get(toks.size() - 1).text() + "', found '"
                                + abbreviate(trailing) + "'");
                    }
                    throw fail("expected " + what + ", found end of line");
                }
                Tok t = toks.get(pos++);
                if (!t.quoted() && t.text().isEmpty()) {
                    throw fail("expected " + what + ", found nothing");
                }
                return t;
            }

            String text(String what) {
                return next(what).text();
            }

            /** Called after the last field: text left over is ignored with a warning (as DRMS does). */
            void end() {
                if (pos < toks.size()) {
                    throw fail("too many fields: expected the line to end after '" + toks.get(pos - 1).text()
                            + "', found '" + toks.get(pos).text() + "'");
                }
                if (trailing != null) {
                    warn(line.no(), line.tag().label() + ": text after the last field ignored: '"
                            + abbreviate(trailing) + "' (quote values that contain blanks)");
                }
            }

            JsdException fail(String what) {
                return error(line.no(), line.tag().label() + ": " + what);
            }
        }

        /** The first blank-delimited (or quoted) string of a series-information line, as {@code getstring}. */
        String stringValue(Line l) {
            String s = l.payload();
            int i = skipBlanks(s, 0);
            if (i >= s.length()) {
                return "";
            }
            char c = s.charAt(i);
            String value;
            int end;
            if (c == '"' || c == '\'') {
                int j = s.indexOf(c, i + 1);
                if (j < 0) {
                    throw error(l.no(), l.tag().label() + ": unterminated quoted string " + abbreviate(s.substring(i)));
                }
                value = s.substring(i + 1, j);
                end = j + 1;
            } else {
                int j = i;
                while (j < s.length() && s.charAt(j) != ' ' && s.charAt(j) != '\t' && s.charAt(j) != ',') {
                    j++;
                }
                value = s.substring(i, j);
                end = j;
            }
            String rest = s.substring(end).trim();
            if (!rest.isEmpty()) {
                warn(l.no(), l.tag().label() + ": only '" + value + "' is used; '" + abbreviate(rest)
                        + "' is ignored (quote values that contain blanks)");
            }
            return value;
        }

        /** A leading C integer (strtol base 0) of a series-information line; the rest of the line is ignored. */
        int intValue(Line l) {
            String s = l.payload().trim();
            Matcher m = LEADING_INT.matcher(s);
            if (!m.find()) {
                throw error(l.no(), l.tag().label() + ": expected an integer, found '" + abbreviate(s) + "'");
            }
            Long v = KeywordValues.parseCInteger(m.group());
            if (v == null || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw error(l.no(), l.tag().label() + ": integer out of range: '" + m.group() + "'");
            }
            String rest = s.substring(m.end()).trim();
            if (!rest.isEmpty()) {
                warn(l.no(), l.tag().label() + ": text after the number ignored: '" + abbreviate(rest) + "'");
            }
            return v.intValue();
        }

        int retentionValue(Line l) {
            int v = intValue(l);
            if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
                throw error(l.no(), l.tag().label() + ": retention must be a 16-bit number of days, found " + v);
            }
            return v;
        }

        Line first(Tag... tags) {
            for (Line l : lines) {
                for (Tag t : tags) {
                    if (l.tag() == t) {
                        return l;
                    }
                }
            }
            return null;
        }

        /** Names separated by commas and/or blanks (PrimeKeys:, DBIndex:). */
        List<String> nameList(Line l) {
            List<String> out = new ArrayList<>();
            for (String s : l.payload().split("[,\\s]+")) {
                String n = s.trim();
                if (n.length() >= 2 && (n.startsWith("\"") && n.endsWith("\"")
                        || n.startsWith("'") && n.endsWith("'"))) {
                    n = n.substring(1, n.length() - 1);
                }
                if (!n.isEmpty()) {
                    out.add(n);
                }
            }
            return out;
        }

        KeywordDef resolveKey(Line l, String key, String what) {
            for (KeywordDef k : keywords) {
                if (k.name().equalsIgnoreCase(key) && !k.perSegment()) {
                    return k;
                }
            }
            String base = key.toLowerCase(Locale.ROOT);
            if (perSegmentBase.containsKey(base)) {
                for (KeywordDef k : keywords) {
                    if (k.perSegment() && k.name().equalsIgnoreCase(key + "_000")) {
                        return k;
                    }
                }
            }
            throw error(l.no(), what + ": no keyword '" + key + "' is defined in this file");
        }

        int line(String keyName) {
            String n = keyName.toLowerCase(Locale.ROOT);
            Integer no = keywordLines.get(n);
            return no == null ? 0 : no;
        }

        // ---------------------------------------------------------------------------------------- names

        void checkSeriesName(int line, String name) {
            int dot = name.indexOf('.');
            if (!SERIES_NAME.matcher(name).matches() || dot <= 0 || dot == name.length() - 1) {
                throw error(line, "Seriesname: expected '<namespace>.<name>' (a letter first, then letters, digits,"
                        + " '_' or '.'), found '" + name + "'");
            }
            if (name.length() > MAX_SERIES_NAME_LEN) {
                throw error(line, "Seriesname: '" + name + "' is longer than " + MAX_SERIES_NAME_LEN + " characters");
            }
        }

        /**
         * Keyword, segment and link names: a letter or '_' first, then letters, digits, '_'; shorter than 32.
         * Segment names may also contain '.' (real series have segments such as {@code fit.out}).
         */
        void checkName(Line l, String name, String what) {
            if (what.equals("segment") && SEGMENT_NAME.matcher(name).matches() && !name.endsWith(".")) {
                if (name.length() > MAX_NAME_LEN) {
                    throw error(l.no(), l.tag().label() + ": segment name '" + name + "' is longer than "
                            + MAX_NAME_LEN + " characters");
                }
                return;
            }
            if (!NAME.matcher(name).matches()) {
                throw error(l.no(), l.tag().label() + ": expected a " + what + " name (a letter or '_' first, then"
                        + " letters, digits or '_'), found '" + name + "'");
            }
            if (name.length() > MAX_NAME_LEN) {
                throw error(l.no(), l.tag().label() + ": " + what + " name '" + name + "' is longer than "
                        + MAX_NAME_LEN + " characters");
            }
        }

        void checkKeywordName(Line l, String name) {
            checkName(l, name, "keyword");
            int us = name.indexOf('_');
            String upper = name.toUpperCase(Locale.ROOT);
            if (us < 0 ? RESERVED_NAMES.contains(upper) : RESERVED_SUFFIXES.contains(upper.substring(us))) {
                throw error(l.no(), "Keyword: '" + name + "' is a reserved name and cannot be a keyword name");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (Set.of("recnum", "sunum", "slotnum", "sessionid", "sessionns").contains(lower)
                    || lower.startsWith("ln_") || lower.matches("sg_\\d{3}_.*")) {
                throw error(l.no(), "Keyword: '" + name + "' would collide with a column every record has"
                        + " (recnum, sunum, slotnum, sessionid, sessionns, ln_*, sg_NNN_*)");
            }
        }

        // ---------------------------------------------------------------------------------------- Link:

        void parseLink(Line l) {
            Fields f = fields(l);
            String name = f.text("a link name");
            checkName(l, name, "link");
            String target = f.text("the target series name");
            checkSeriesNameIn(l, target);
            String type = f.text("a link type (static, dynamic)");
            LinkDef.Type t;
            if (type.equalsIgnoreCase("static")) {
                t = LinkDef.Type.STATIC;
            } else if (type.equalsIgnoreCase("dynamic")) {
                t = LinkDef.Type.DYNAMIC;
            } else {
                throw f.fail("expected a link type (static, dynamic), found '" + type + "'");
            }
            String description = f.remaining() > 0 ? f.text("a description") : "";
            f.end();
            for (LinkDef other : links) {
                if (other.name().equalsIgnoreCase(name)) {
                    throw f.fail("link '" + name + "' is defined twice");
                }
            }
            links.add(new LinkDef(name, target, t, description));
        }

        void checkSeriesNameIn(Line l, String target) {
            int dot = target.indexOf('.');
            if (!SERIES_NAME.matcher(target).matches() || dot <= 0 || dot == target.length() - 1) {
                throw error(l.no(), "Link: expected a target series '<namespace>.<name>', found '" + target + "'");
            }
        }

        // ---------------------------------------------------------------------------------------- Data:

        void parseSegment(Line l) {
            Fields f = fields(l);
            String name = f.text("a segment name");
            checkName(l, name, "segment");
            for (SegmentDef other : segments) {
                if (other.name().equalsIgnoreCase(name)) {
                    throw f.fail("segment '" + name + "' is defined twice (first at line "
                            + segmentLines.get(other.name().toLowerCase(Locale.ROOT)) + ")");
                }
            }
            int segnum = segments.size();
            String scopeText = f.text("a segment scope (constant, variable, vardim, link)");
            if (scopeText.equalsIgnoreCase("link")) {
                String linkName = f.text("a link name");
                if (links.stream().noneMatch(k -> k.name().equalsIgnoreCase(linkName))) {
                    throw f.fail("segment '" + name + "' uses link '" + linkName + "', which no Link: line defines");
                }
                String target = f.text("the target segment name");
                int naxis = naxis(f);
                List<Integer> dims = new ArrayList<>();
                for (int i = 0; i < naxis; i++) {
                    dims.add(Math.max(0, dim(f, naxis, true)));
                }
                String description = f.text("a description");
                f.end();
                add(l, new SegmentDef(name, segnum, SegmentDef.Scope.LINK, DrmsType.INT, dims, "", null, "", 0.0,
                        1.0, description, linkName, target));
                return;
            }
            SegmentDef.Scope scope = switch (scopeText.toLowerCase(Locale.ROOT)) {
                case "constant" -> SegmentDef.Scope.CONSTANT;
                case "variable" -> SegmentDef.Scope.VARIABLE;
                case "vardim" -> SegmentDef.Scope.VARDIM;
                default -> throw f.fail("expected a segment scope (constant, variable, vardim, link), found '"
                        + scopeText + "'");
            };
            String typeText = f.text("a type (" + TYPE_LIST + ")");
            DrmsType type = DrmsType.fromJsdName(typeText);
            if (type == null) {
                throw f.fail("expected a type (" + TYPE_LIST + "), found '" + typeText + "'");
            }
            int naxis = naxis(f);
            List<Integer> dims = new ArrayList<>();
            boolean unknownDim = false;
            for (int i = 0; i < naxis; i++) {
                int d = dim(f, naxis, true);
                if (d < 0) {
                    unknownDim = true;
                    d = 0;
                }
                dims.add(d);
            }
            Tok unitTok = f.next("a unit");
            String unit = unitTok.text();
            String protText = f.text("a protocol (" + PROTOCOL_LIST + ")");
            Protocol protocol = Protocol.fromJsdName(protText);
            if (protocol == null) {
                if (!unitTok.quoted() && (INT.matcher(unit).matches() || unit.equals("*")
                        || unit.equalsIgnoreCase("NA"))) {
                    throw f.fail("segment '" + name + "' has more dimensions than naxis " + naxis
                            + " (found '" + unit + "' where the unit belongs)");
                }
                String p = protText.toLowerCase(Locale.ROOT);
                if (Set.of("msi", "dsds", "local", "fitzdep", "fitsdep").contains(p)) {
                    throw f.fail("protocol '" + protText + "' is not supported (use one of " + PROTOCOL_LIST + ")");
                }
                throw f.fail("expected a protocol (" + PROTOCOL_LIST + "), found '" + protText + "'");
            }
            if (unknownDim && scope != SegmentDef.Scope.VARDIM && protocol != Protocol.GENERIC) {
                throw f.fail("segment '" + name + "': '*' or 'NA' dimensions are allowed only for vardim or generic"
                        + " segments");
            }
            if (type == DrmsType.STRING && protocol != Protocol.GENERIC) {
                warn(l.no(), "Data: segment '" + name + "' of type string should use the generic protocol");
            }
            String cparms = "";
            if (protocol.takesCompression() && type != DrmsType.LONGLONG) {
                cparms = f.next("a compression string (cparms, \"\" for none)").text();
            } else if (protocol == Protocol.FITZ) {
                cparms = "compress Rice";
            }
            double bzero = 0.0;
            double bscale = 1.0;
            if (protocol.scalable() && type != DrmsType.FLOAT && type != DrmsType.DOUBLE) {
                bzero = number(f, "bzero");
                bscale = number(f, "bscale");
            }
            // the description is the last field; numbers before it are the stray bzero/bscale of float segments
            while (f.remaining() > 1 && !f.toks.get(f.pos).quoted()
                    && NUMBER.matcher(f.toks.get(f.pos).text()).matches()) {
                warn(l.no(), "Data: number '" + f.toks.get(f.pos).text() + "' before the description of segment '"
                        + name + "' ignored (bzero/bscale are not read for " + type + " " + protocol.jsdName()
                        + " segments)");
                f.pos++;
            }
            String description = f.text("a description");
            f.end();
            add(l, new SegmentDef(name, segnum, scope, type, dims, unit, protocol, cparms, bzero, bscale,
                    description, null, null));
        }

        void add(Line l, SegmentDef s) {
            segments.add(s);
            segmentLines.put(s.name().toLowerCase(Locale.ROOT), l.no());
        }

        int naxis(Fields f) {
            String t = f.text("naxis (the number of dimensions)");
            if (!INT.matcher(t).matches()) {
                throw f.fail("expected naxis (the number of dimensions), found '" + t + "'");
            }
            Long v = KeywordValues.parseCInteger(t);
            if (v == null || v < 0 || v > MAX_RANK) {
                throw f.fail("naxis must be 0.." + MAX_RANK + ", found '" + t + "'");
            }
            return v.intValue();
        }

        /** A dimension; -1 for {@code *} or {@code NA}. */
        int dim(Fields f, int naxis, boolean allowUnknown) {
            String what = naxis + " dimension" + (naxis == 1 ? "" : "s") + " after naxis " + naxis;
            Tok t = f.next(what);
            String s = t.text().trim();
            if (allowUnknown && (s.equals("*") || s.equalsIgnoreCase("NA"))) {
                return -1;
            }
            if (!INT.matcher(s).matches()) {
                throw f.fail("expected " + what + ", found '" + t.text() + "'");
            }
            Long v = KeywordValues.parseCInteger(s);
            if (v == null || v < 0 || v > Integer.MAX_VALUE) {
                throw f.fail("dimension out of range: '" + s + "'");
            }
            return v.intValue();
        }

        double number(Fields f, String what) {
            Tok t = f.next(what + " (a number)");
            Double d = KeywordValues.parseCDouble(t.text().trim());
            if (d == null || Double.isNaN(d) || Double.isInfinite(d)) {
                throw f.fail("expected " + what + " (a number), found '" + t.text() + "'");
            }
            return d;
        }

        // ---------------------------------------------------------------------------------------- Keyword:

        void parseKeyword(Line l) {
            Fields f = fields(l);
            String name = f.text("a keyword name");
            checkKeywordName(l, name);
            Tok typeTok = f.next("a type (" + TYPE_LIST + ", link)");
            String typeText = typeTok.text().trim();
            if (typeText.equalsIgnoreCase("link")) {
                String linkName = f.text("a link name");
                if (links.stream().noneMatch(k -> k.name().equalsIgnoreCase(linkName))) {
                    throw f.fail("keyword '" + name + "' uses link '" + linkName + "', which no Link: line defines");
                }
                String target = f.text("the target keyword name");
                String description = f.remaining() > 0 ? f.text("a description") : "";
                f.end();
                register(l, name);
                keywords.add(KeywordDef.linked(name, linkName, target, description));
                return;
            }
            DrmsType type = DrmsType.fromJsdName(typeText);
            if (type == null) {
                throw f.fail("expected a type (" + TYPE_LIST + "), found '" + typeText + "'");
            }
            String scopeText = f.text("a record scope (" + RECSCOPE_LIST + ")");
            RecScope scope = RecScope.fromJsdName(scopeText);
            if (scope == RecScope.INDEX) {
                throw f.fail("specification of an index keyword in a jsd is not allowed ('" + name + "')");
            }
            if (scope == null) {
                throw f.fail("expected a record scope (" + RECSCOPE_LIST + "), found '" + scopeText + "'");
            }
            String segScope = f.text("a segment scope (record, segment)");
            boolean perSegment;
            if (segScope.equalsIgnoreCase("record")) {
                perSegment = false;
            } else if (segScope.equalsIgnoreCase("segment")) {
                perSegment = true;
            } else {
                throw f.fail("expected a segment scope (record, segment), found '" + segScope + "'");
            }
            String defaultValue = f.next("a default value").text();
            String format = f.next("a format").text();
            String unit = f.next("a unit").text();
            String description = f.next("a description").text();
            f.end();
            checkDefault(l, name, type, defaultValue, unit);
            checkFormat(l, name, type, format);
            if (description.length() > 255) {
                warn(l.no(), "Keyword: description of '" + name + "' is longer than 255 characters");
            }
            if (unit.length() > 32) {
                warn(l.no(), "Keyword: unit of '" + name + "' is longer than 32 characters");
            }
            if (perSegment) {
                if (segments.isEmpty()) {
                    throw f.fail("'" + name + "' is declared per segment, but the file has no Data: lines");
                }
                perSegmentBase.put(name.toLowerCase(Locale.ROOT), l.no());
                for (SegmentDef s : segments) {
                    String n = String.format(Locale.ROOT, "%s_%03d", name, s.segnum());
                    if (n.length() > MAX_NAME_LEN) {
                        throw f.fail("per-segment keyword name '" + n + "' is longer than " + MAX_NAME_LEN
                                + " characters");
                    }
                    register(l, n);
                    keywords.add(new KeywordDef(n, type, scope, true, defaultValue, format, unit, description,
                            null, null, false));
                }
            } else {
                register(l, name);
                keywords.add(new KeywordDef(name, type, scope, false, defaultValue, format, unit, description,
                        null, null, false));
            }
        }

        void register(Line l, String name) {
            String key = name.toLowerCase(Locale.ROOT);
            Integer prev = keywordLines.get(key);
            if (prev != null) {
                throw error(l.no(), "Keyword: '" + name + "' is defined twice (first at line " + prev + ")");
            }
            keywordLines.put(key, l.no());
        }

        void checkDefault(Line l, String name, DrmsType type, String value, String unit) {
            String v = value.trim();
            if (v.equalsIgnoreCase(KeywordValues.MISSING_LITERAL) || type == DrmsType.STRING) {
                return;
            }
            if (type == DrmsType.TIME) {
                if (KeywordValues.isIntervalUnit(unit)) {
                    if (KeywordValues.parseCDouble(v) == null) {
                        throw error(l.no(), "Keyword: default of interval keyword '" + name + "' must be a number of "
                                + unit + ", found '" + value + "'");
                    }
                    return;
                }
                if (EPOCH_NAMES.contains(v.toUpperCase(Locale.ROOT)) || DrmsTime.epoch(v) != null) {
                    return;
                }
                Converted c = KeywordValues.parse(v, type);
                if (c.status() == KeywordStatus.BAD_STRING) {
                    warn(l.no(), "Keyword: default of time keyword '" + name + "' is not a time DRMS can read: '"
                            + value + "' (MISSING is used)");
                }
                return;
            }
            Converted c = KeywordValues.parse(v, type);
            if (c.status() == KeywordStatus.BAD_STRING) {
                throw error(l.no(), "Keyword: default of '" + name + "' must be a " + type.jsdName()
                        + " (or DRMS_MISSING_VALUE), found '" + value + "'");
            }
            // (the type's MISSING written out, e.g. -2147483648 for int, converts EXACT)
            if (c.status() == KeywordStatus.RANGE) {
                warn(l.no(), "Keyword: default '" + value + "' of '" + name + "' is out of range for "
                        + type.jsdName() + "; MISSING is used");
            }
        }

        /** {@code FormatChk}: warns only. For time keywords the format is a precision -9..9. */
        void checkFormat(Line l, String name, DrmsType type, String format) {
            if (type == DrmsType.TIME) {
                String s = format.trim();
                if (!s.matches("[-+]?[0-9]+") || Math.abs(Integer.parseInt(s.replace("+", ""))) > 9) {
                    warn(l.no(), "Keyword: format of time keyword '" + name + "' should be a precision -9..9, found '"
                            + format + "'");
                }
                return;
            }
            if (format.length() > 20) {
                warn(l.no(), "Keyword: format of '" + name + "' is longer than 20 characters");
            }
            Matcher m = CONVERSION.matcher(format);
            int count = 0;
            String modifier = null;
            char conv = 0;
            while (m.find()) {
                if (m.group(3).equals("%")) {
                    continue;
                }
                count++;
                modifier = m.group(2);
                conv = m.group(3).charAt(0);
            }
            boolean ok = count == 1;
            if (ok) {
                boolean intConv = "dioxXu".indexOf(conv) >= 0;
                boolean floatConv = "fFeEgGaA".indexOf(conv) >= 0;
                ok = switch (type) {
                    case CHAR, SHORT, INT -> (intConv || floatConv) && !"l".equals(modifier) && !"ll".equals(modifier);
                    case LONGLONG -> intConv && "ll".equals(modifier) || floatConv && modifier == null;
                    case FLOAT, DOUBLE -> floatConv && !"l".equals(modifier);
                    case STRING -> conv == 's' && modifier == null;
                    default -> true;
                };
            }
            if (!ok) {
                warn(l.no(), "Keyword: format '" + format + "' is incompatible with the type " + type.jsdName()
                        + " of keyword '" + name + "'");
            }
        }

        // ---------------------------------------------------------------------------------------- slotted keys

        void checkSlotted(KeywordDef k) {
            int line = line(k.name());
            String n = k.name();
            RecScope scope = k.recScope();
            switch (scope) {
                case TS_EQ, TS_SLOT -> {
                    if (k.type() != DrmsType.TIME) {
                        throw error(line, "Keyword: " + scope.jsdName() + " keyword '" + n + "' must be of type time");
                    }
                    KeywordDef epoch = ancillary(k, "_epoch", true);
                    if (epoch.type() != DrmsType.TIME && epoch.type() != DrmsType.STRING) {
                        throw error(line(epoch.name()), "Keyword: '" + epoch.name() + "' must be of type time or"
                                + " string (an epoch name)");
                    }
                    checkStep(ancillary(k, "_step", true));
                    KeywordDef unit = ancillary(k, "_unit", false);
                    if (unit != null) {
                        checkUnit(unit, Set.of("tenthsecs", "secs", "mins", "hours", "days"));
                    }
                    if (scope == RecScope.TS_SLOT) {
                        ancillary(k, "_round", false);
                    }
                }
                case SLOT -> {
                    KeywordDef base = ancillary(k, "_base", true);
                    if (base.type() != DrmsType.DOUBLE && base.type() != DrmsType.FLOAT
                            && base.type() != DrmsType.TIME) {
                        throw error(line(base.name()), "Keyword: '" + base.name() + "' must be of type double, float"
                                + " or time");
                    }
                    checkStep(ancillary(k, "_step", true));
                    ancillary(k, "_unit", false);
                }
                case CARR -> {
                    checkStep(ancillary(k, "_step", true));
                    KeywordDef unit = ancillary(k, "_unit", false);
                    if (unit != null) {
                        checkUnit(unit, Set.of("degrees", "arcmins", "arcsecs", "milliarcsecs", "rads", "microrads"));
                    }
                }
                default -> {
                }
            }
        }

        /** The constant ancillary keyword {@code <key><suffix>}; null when optional and absent. */
        KeywordDef ancillary(KeywordDef k, String suffix, boolean required) {
            String want = k.name() + suffix;
            for (KeywordDef a : keywords) {
                if (a.name().equalsIgnoreCase(want) && !a.isLink()) {
                    if (!a.isConstant()) {
                        throw error(line(a.name()), "Keyword: '" + a.name() + "' of slotted keyword '" + k.name()
                                + "' must be constant");
                    }
                    return a;
                }
            }
            if (required) {
                throw error(line(k.name()), "Keyword: slotted keyword '" + k.name() + "' ("
                        + k.recScope().jsdName() + ") requires a constant keyword '" + want + "'");
            }
            return null;
        }

        void checkStep(KeywordDef step) {
            String v = step.defaultValue() == null ? "" : step.defaultValue().trim();
            boolean ok;
            if (step.type() == DrmsType.STRING) {
                Matcher m = STEP.matcher(v);
                ok = m.matches() && Double.parseDouble(m.group(1)) != 0.0;
            } else {
                Converted c = KeywordValues.parse(v, step.type() == DrmsType.TIME ? DrmsType.DOUBLE : step.type());
                ok = c.status().ok() && !step.type().isMissing(c.value())
                        && ((Number) c.value()).doubleValue() != 0.0;
            }
            if (!ok) {
                throw error(line(step.name()), "Keyword: '" + step.name() + "' must give a non-zero step (a number or"
                        + " a duration such as \"45s\"), found '" + v + "'");
            }
        }

        void checkUnit(KeywordDef unit, Set<String> allowed) {
            String v = unit.defaultValue() == null ? "" : unit.defaultValue().trim().toLowerCase(Locale.ROOT);
            if (unit.type() != DrmsType.STRING || !allowed.contains(v)) {
                throw error(line(unit.name()), "Keyword: '" + unit.name() + "' must be a string, one of "
                        + String.join(", ", allowed.stream().sorted().toList()) + ", found '"
                        + unit.defaultValue() + "'");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ util

    static int skipBlanks(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** A double as JSD text: integral values without a fraction ({@code 8192}), others as shortest decimal. */
    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15 && !(d == 0.0 && 1 / d < 0)) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }
}
