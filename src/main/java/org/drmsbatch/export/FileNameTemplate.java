package org.drmsbatch.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.KeywordValues;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;

/**
 * An export file-name template (JSOC {@code ffmt}, specs/drms.md §5.2), e.g. the default
 * {@code {seriesname}.{recnum:%lld}.{segment}}. Fields:
 * <ul>
 * <li>{@code {seriesname}}, {@code {segment}} (the exported file's segment file name, e.g. {@code image.fits}),
 *     {@code {recnum}} or {@code {recnum:FMT}}, {@code {#}} or {@code {#:FMT}} (the file's running number in
 *     the export, from 0, in the order the files are written: only for an export in one partition, see
 *     {@link #numbersFiles});</li>
 * <li>{@code {KEY}}: the keyword printed with its own format; {@code {KEY:FMT}} with a printf format;</li>
 * <li>for a time keyword {@code {KEY:LAYOUT}} with LAYOUT {@code [A|D][precision][,ZONE]} (precision 0 unless
 *     given): {@code A} drops {@code .} and {@code :} ({@code {T_REC:A}} gives {@code 20100501_000000_TAI}),
 *     {@code D} drops {@code :} and turns {@code .} and the date/time {@code _} into {@code @}, and a zone prints
 *     the time in that zone ({@code {T_REC:A0,UTC}}).</li>
 * </ul>
 * Whitespace in values is removed. Nothing is appended: the extension comes from {@code {segment}}. A name must
 * stay inside the export directory: the template's own text may not hold {@code /} or {@code \}, and a name made
 * from values that holds one, is empty, or is {@code .}, {@code ..} or starts with {@code .} is refused with an
 * {@link ExportException}.
 */
public final class FileNameTemplate {

    public static final String DEFAULT = "{seriesname}.{recnum:%lld}.{segment}";

    private static final Pattern TIME_LAYOUT = Pattern.compile("([AaDd]?)(-?\\d*)(?:,\\s*([A-Za-z0-9+:-]+))?");

    /** One part: literal text, or a field with an optional format (null when none). */
    private record Part(String literal, String field, String format) {
    }

    private final String text;
    private final List<Part> parts;

    private FileNameTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    public String text() {
        return text;
    }

    /** Parses a template; null or blank gives the default. Errors name the position. */
    public static FileNameTemplate parse(String template) {
        String t = template == null || template.isBlank() ? DEFAULT : template.trim();
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '{') {
                int end = t.indexOf('}', i);
                if (end < 0) {
                    throw bad(t, i, "unterminated '{'");
                }
                String inner = t.substring(i + 1, end);
                if (inner.indexOf('{') >= 0) {
                    throw bad(t, i + 1 + inner.indexOf('{'), "'{' inside a field");
                }
                int colon = inner.indexOf(':');
                String field = (colon < 0 ? inner : inner.substring(0, colon)).trim();
                String format = colon < 0 ? null : inner.substring(colon + 1).trim();
                if (field.isEmpty()) {
                    throw bad(t, i, "empty field name");
                }
                if (!field.equals("#") && !field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw bad(t, i + 1, "bad field name '" + field + "'");
                }
                if (format != null && format.isEmpty()) {
                    throw bad(t, i + 1 + colon, "empty format after ':'");
                }
                if (!lit.isEmpty()) {
                    parts.add(new Part(lit.toString(), null, null));
                    lit.setLength(0);
                }
                parts.add(new Part(null, field, format));
                i = end;
            } else if (c == '}') {
                throw bad(t, i, "'}' without '{'");
            } else if (c == '/' || c == '\\' || c == '\0') {
                throw bad(t, i, "a file name may not hold '" + (c == '\0' ? "\\0" : String.valueOf(c))
                        + "': it would leave the export directory");
            } else {
                lit.append(c);
            }
        }
        if (!lit.isEmpty()) {
            parts.add(new Part(lit.toString(), null, null));
        }
        if (parts.stream().allMatch(p -> p.literal() != null)) {
            String name = String.join("", parts.stream().map(Part::literal).toList());
            throw bad(t, 0, "no field: every file would be named '" + name + "'");
        }
        FileNameTemplate f = new FileNameTemplate(t, List.copyOf(parts));
        if (f.parts.stream().allMatch(p -> p.literal() != null || p.field().equalsIgnoreCase("seriesname"))) {
            throw bad(t, 0, "only {seriesname}: every file of a series would get the same name");
        }
        return f;
    }

    private static ExportException bad(String template, int pos, String reason) {
        return new ExportException("bad file-name template (ffmt) at position " + (pos + 1) + ": " + reason
                + "\n  " + template + "\n  " + " ".repeat(Math.max(0, pos)) + "^");
    }

    /** Checks that every keyword field names a keyword of the series and that its format applies. */
    public void check(SeriesDefinition series) {
        for (Part p : parts) {
            if (p.field() == null || isBuiltIn(p.field())) {
                continue;
            }
            KeywordDef k = series.keyword(p.field()).orElseThrow(() -> new ExportException(
                    "file-name template (ffmt) '" + text + "': series " + series.name() + " has no keyword '"
                            + p.field() + "'"));
            if (p.format() != null && k.type() == DrmsType.TIME && !p.format().contains("%")
                    && !TIME_LAYOUT.matcher(p.format()).matches()) {
                throw new ExportException("file-name template (ffmt) '" + text + "': bad time layout '" + p.format()
                        + "' for " + k.name() + " (expected [A|D][precision][,ZONE], e.g. A or A0,UTC)");
            }
        }
    }

    /**
     * Whether the template numbers the files ({@code {#}}): a running count over the whole export, which only a
     * single partition can keep (the export job refuses it with more).
     */
    public boolean numbersFiles() {
        return parts.stream().anyMatch(p -> "#".equals(p.field()));
    }

    private static boolean isBuiltIn(String field) {
        return field.equals("#") || field.equalsIgnoreCase("seriesname") || field.equalsIgnoreCase("recnum")
                || field.equalsIgnoreCase("segment");
    }

    /**
     * The file name for one record's segment file.
     *
     * @param segmentFile the exported segment file's own name ({@code image.fits})
     * @param counter     the file's running number in the export
     */
    public String name(Record r, String segmentFile, long counter) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.literal() != null) {
                sb.append(p.literal());
                continue;
            }
            String f = p.field();
            String v;
            if (f.equals("#")) {
                v = formatLong(counter, p.format() == null ? "%d" : p.format());
            } else if (f.equalsIgnoreCase("seriesname")) {
                v = r.seriesName();
            } else if (f.equalsIgnoreCase("recnum")) {
                v = formatLong(r.recnum(), p.format() == null ? "%lld" : p.format());
            } else if (f.equalsIgnoreCase("segment")) {
                v = segmentFile;
            } else {
                v = keyword(r, f, p.format());
            }
            sb.append(v.replaceAll("\\s+", ""));
        }
        String name = sb.toString();
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.startsWith(".") || name.indexOf('/') >= 0
                || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new ExportException("file-name template (ffmt) '" + text + "' gives record " + r.seriesName() + ":"
                    + r.recnum() + " the name '" + name + "', which would leave the export directory or hide the"
                    + " file; refused");
        }
        return name;
    }

    private static String formatLong(long value, String format) {
        KeywordDef def = new KeywordDef("recnum", DrmsType.LONGLONG, null, false, null, format, "none", "", null,
                null, false);
        return KeywordValues.format(value, def);
    }

    private static String keyword(Record r, String name, String format) {
        KeywordDef k = r.series().keyword(name).orElseThrow(() -> new ExportException(
                "series " + r.seriesName() + " has no keyword '" + name + "' (file-name template)"));
        if (format == null) {
            return r.format(name);
        }
        Object value = r.get(name);
        if (k.type() == DrmsType.TIME && !format.contains("%")) {
            Matcher m = TIME_LAYOUT.matcher(format);
            if (!m.matches()) {
                throw new ExportException("bad time layout '" + format + "' for " + name);
            }
            String layout = m.group(1).toUpperCase(Locale.ROOT);
            int precision = m.group(2).isEmpty() ? 0 : Integer.parseInt(m.group(2));
            String zone = m.group(3) != null ? m.group(3) : k.unit();
            double t = value == null ? DrmsTime.MISSING : ((Number) value).doubleValue();
            String s = DrmsTime.format(t, zone, precision);
            if (layout.equals("A")) {
                s = s.replace(".", "").replace(":", "");
            } else if (layout.equals("D")) {
                s = s.replace(":", "");
                int sep = s.indexOf('_');
                if (sep >= 0) {
                    s = s.substring(0, sep) + "@" + s.substring(sep + 1);
                }
                s = "@" + s.replace('.', '@');
            }
            return s;
        }
        KeywordDef custom = new KeywordDef(k.name(), k.type(), k.recScope(), k.perSegment(), k.defaultValue(), format,
                k.unit(), k.description(), null, null, false);
        return KeywordValues.format(value, custom);
    }

    @Override
    public String toString() {
        return text;
    }
}
