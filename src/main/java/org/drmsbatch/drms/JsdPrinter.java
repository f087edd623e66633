package org.drmsbatch.drms;

import java.util.List;
import java.util.Locale;

import org.drmsbatch.drms.types.DrmsType;

/**
 * Writes a {@link SeriesDefinition} back as a JSD file, the way {@code show_info -j} does
 * ({@code drms_jsd_printfromrec} in drms_parser.c): the series information block, then the links, keywords and
 * segments. Implicit keywords are not printed; a per-segment keyword is printed once, under its base name, with
 * segment scope. Values that need it are quoted, so {@code JsdParser.parse(print(def))} gives {@code def} back.
 */
public final class JsdPrinter {

    private static final int FIELD_WIDTH = 17;

    /** The JSD text of a definition, lines ending in {@code \n}. */
    public String print(SeriesDefinition def) {
        StringBuilder out = new StringBuilder();
        out.append("#=====General Series Information=====\n");
        info(out, "Seriesname:", def.name());
        info(out, "Author:", quote(def.author()));
        info(out, "Owner:", quote(def.owner()));
        info(out, "Unitsize:", Integer.toString(def.unitSize()));
        info(out, "Archive:", Integer.toString(def.archive()));
        info(out, "Retention:", Integer.toString(def.retention()));
        if (def.stagingRetention() != 0) {
            info(out, "StagingRetention:", Integer.toString(def.stagingRetention()));
        }
        info(out, "Tapegroup:", Integer.toString(def.tapeGroup()));
        if (!def.primeKeys().isEmpty()) {
            info(out, "PrimeKeys:", String.join(", ", def.primeKeys()));
        }
        if (!def.dbIndex().isEmpty()) {
            info(out, "DBIndex:", String.join(", ", def.dbIndex()));
        }
        info(out, "Description:", quote(def.description()));
        if (def.version() != null && !def.version().isEmpty()) {
            info(out, "Version:", quote(def.version()));
        }
        if (def.createShadow()) {
            info(out, "CreateShadow:", "1");
        }

        out.append("\n#=====Links=====\n");
        for (LinkDef l : def.links()) {
            out.append("Link: ").append(l.name()).append(", ").append(l.targetSeries()).append(", ")
                    .append(l.isStatic() ? "static" : "dynamic").append(", ").append(quote(l.description()))
                    .append('\n');
        }

        out.append("\n#=====Keywords=====\n");
        for (KeywordDef k : def.keywords()) {
            keyword(out, k);
        }

        out.append("\n#=====Segments=====\n");
        for (SegmentDef s : def.segments()) {
            segment(out, s);
        }
        return out.toString();
    }

    /** One {@code Keyword:} line, or nothing for implicit keywords and the copies of per-segment keywords. */
    void keyword(StringBuilder out, KeywordDef k) {
        if (k.implicit() || k.isIndex()) {
            return;
        }
        String name = k.name();
        if (k.perSegment()) {
            if (!name.endsWith("_000")) {
                return;
            }
            name = name.substring(0, name.length() - 4);
        }
        out.append("Keyword:").append(name);
        if (k.isLink()) {
            out.append(", link, ").append(k.linkName()).append(", ").append(k.targetKeyword()).append(", ")
                    .append(quote(k.description())).append('\n');
            return;
        }
        out.append(", ").append(k.type().jsdName())
                .append(", ").append(k.recScope().jsdName())
                .append(", ").append(k.perSegment() ? "segment" : "record")
                .append(", ").append(k.type() == DrmsType.STRING ? quote(k.defaultValue()) : token(k.defaultValue()))
                .append(", ").append(k.type() == DrmsType.TIME ? token(k.format()) : quote(k.format()))
                .append(", ").append(token(k.unit()))
                .append(", ").append(quote(k.description()))
                .append('\n');
    }

    /** One {@code Data:} line. */
    void segment(StringBuilder out, SegmentDef s) {
        out.append("Data: ").append(s.name()).append(", ");
        if (s.isLink()) {
            out.append("link, ").append(s.linkName()).append(", ").append(s.targetSegment());
            dims(out, s.dims());
        } else {
            out.append(s.scope().jsdName()).append(", ").append(s.type().jsdName());
            dims(out, s.dims());
            out.append(", ").append(quote(s.unit())).append(", ").append(s.protocol().jsdName());
            if (s.protocol().takesCompression() && s.type() != DrmsType.LONGLONG) {
                out.append(", ").append(quote(s.cparms()));
            }
            if (s.protocol().scalable() && s.type() != DrmsType.FLOAT && s.type() != DrmsType.DOUBLE) {
                out.append(", ").append(JsdParser.number(s.bzero())).append(", ").append(JsdParser.number(s.bscale()));
            }
        }
        out.append(", ").append(quote(s.description())).append('\n');
    }

    private static void dims(StringBuilder out, List<Integer> dims) {
        out.append(", ").append(dims.size());
        for (Integer d : dims) {
            out.append(", ").append(d);
        }
    }

    private static void info(StringBuilder out, String tag, String value) {
        out.append(String.format(Locale.ROOT, "%-" + FIELD_WIDTH + "s\t%s\n", tag, value));
    }

    /** A value quoted with {@code "}, or with {@code '} when it contains a double quote. */
    static String quote(String s) {
        String v = s == null ? "" : s;
        if (v.indexOf('"') >= 0) {
            if (v.indexOf('\'') >= 0) {
                throw new IllegalArgumentException("a JSD value cannot contain both kinds of quote: " + v);
            }
            return "'" + v + "'";
        }
        return "\"" + v + "\"";
    }

    /** A value unquoted when it is a plain token (no blanks, commas or quotes), quoted otherwise. */
    static String token(String s) {
        String v = s == null ? "" : s;
        if (v.isEmpty() || v.chars().anyMatch(c -> c == ' ' || c == '\t' || c == ',' || c == '"' || c == '\'')
                || v.startsWith("#")) {
            return quote(v);
        }
        return v;
    }
}
