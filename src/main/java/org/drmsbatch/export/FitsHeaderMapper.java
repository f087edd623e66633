package org.drmsbatch.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import nom.tam.fits.HeaderCard;
import nom.tam.fits.HeaderCardException;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.KeywordValues;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;

/**
 * The FITS header cards of one exported record and segment (specs/drms.md §5.1, JSOC {@code fitsexport_mapkeys}):
 * <ul>
 * <li>every keyword that is not implicit ({@code _index}, {@code <seg>_bzero/_bscale}, {@code cparms_sgNNN}), in
 *     rank order; of per-segment keywords only the exported segment's; linked keywords followed to their target
 *     (an unset link gives a MISSING value); constants included;</li>
 * <li>names by {@link FitsNames}; when the FITS name is not the DRMS name the comment ends with
 *     {@code {DRMSNAME}}; the comment is {@code [unit] short description} (no unit when it is none or na);</li>
 * <li>char, short, int, longlong as FITS integers, float and double as reals, strings as strings (long ones
 *     continued with {@code CONTINUE}, {@code LONGSTRN} added), times as strings in their zone with 3 decimals
 *     ({@code '2010.05.01_00:00:00.000_TAI'}, a trailing {@code Z} dropped), time intervals as numbers in their
 *     unit;</li>
 * <li>MISSING values (and NaN) as cards without a value, comment {@code [unit] (MISSING) ...}; WCS keywords
 *     ({@code CRPIX, CRVAL, CDELT, CROTA, CRDER, CSYER}) get 0 (CDELT 1) instead; a keyword whose FITS name the
 *     FITS standard reserves with a value type ({@code DATAMIN}, {@code DATAMAX}, {@code BUNIT}, {@code TELESCOP},
 *     {@code EQUINOX}, {@code CTYPEn} ..., see {@link #reservedWithValue}) is left out, since a card without a
 *     value there is an error to fitsverify (JSOC writes the empty card);</li>
 * <li>{@code DATE} and {@code DATE-OBS}: times always in ISO 8601 ({@code 2010-05-01T00:00:00.000}); a missing
 *     one is left out;</li>
 * <li>{@code COMMENT} and {@code HISTORY} as comment and history cards, one per line;</li>
 * <li>then {@code RECNUM}, {@code DRMS_ID} ({@code series:recnum:segment}), {@code PRIMARYK} (the prime keys)
 *     and {@code LICENSE} ({@code CC0 1.0}).</li>
 * </ul>
 * Two keywords that map to the same FITS name: the first (in rank order) is written.
 */
public final class FitsHeaderMapper {

    public static final String LICENSE = "CC0 1.0";
    /** Room for a comment on a card with a fixed-format value: 80 - 30 - 3. */
    private static final int COMMENT_ROOM = 47;

    /**
     * FITS names the FITS standard (4.0, with its WCS and time papers) reserves with a value of a given type, as
     * fitsverify checks them: a card without a value under one of these names is an error.
     */
    private static final Pattern RESERVED_WITH_VALUE = Pattern.compile(
            "SIMPLE|BITPIX|NAXIS\\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|GROUPS|BSCALE|BZERO|BLANK|BUNIT|DATAMIN|DATAMAX"
            + "|DATE|DATE-OBS|DATE-BEG|DATE-END|DATE-AVG|DATEREF|MJD-OBS|MJD-AVG"
            + "|ORIGIN|TELESCOP|INSTRUME|OBSERVER|OBJECT|AUTHOR|REFERENC|EPOCH"
            + "|EXTNAME|EXTVER|EXTLEVEL|CHECKSUM|DATASUM|THEAP|TFIELDS|TDIM\\d+|TNULL\\d+|TTYPE\\d+|TFORM\\d+"
            + "|TUNIT\\d+|TSCAL\\d+|TZERO\\d+|TDISP\\d+|OBSGEO-[XYZ]"
            + "|(?:CTYPE|CUNIT|CRPIX|CRVAL|CDELT|CROTA|CRDER|CSYER|CNAME)\\d+[A-Z]?|(?:PC|CD|PV|PS)\\d+_\\d+[A-Z]?"
            + "|(?:WCSAXES|LONPOLE|LATPOLE|RADESYS|RADECSYS|EQUINOX|SPECSYS|VELOSYS|RESTFRQ|RESTFREQ)[A-Z]?");

    private final FitsNames names;

    public FitsHeaderMapper(FitsNames names) {
        this.names = names;
    }

    /** The keyword cards of a record's segment file (structural cards, CHECKSUM and DATASUM not included). */
    public List<HeaderCard> cards(Record r, SegmentDef segment) {
        List<HeaderCard> cards = new ArrayList<>();
        Set<String> used = new HashSet<>();
        boolean longStrings = false;
        String suffix = segment == null ? null : String.format(Locale.ROOT, "_%03d", segment.segnum());
        try {
            for (KeywordDef k : r.series().keywords()) {
                if (k.implicit() || k.isIndex()) {
                    continue;
                }
                if (k.perSegment() && (suffix == null || !k.name().endsWith(suffix))) {
                    continue;
                }
                FitsNames.Mapping m = names.map(k);
                if (!used.add(m.fitsName())) {
                    continue;
                }
                Value v = value(r, k);
                String drmsName = FitsNames.drmsName(k);
                String braced = m.fitsName().equals(drmsName) ? "" : " {" + drmsName + "}";
                HeaderCard card = card(m, v, braced, cards);
                if (card != null) {
                    longStrings |= card.cardSize() > 1;
                    cards.add(card);
                }
            }
            cards.add(new HeaderCard("RECNUM", r.recnum(), "Recnum - the DRMS data series record number"));
            cards.add(new HeaderCard("DRMS_ID", HeaderCard.sanitize(r.seriesName() + ":" + r.recnum() + ":"
                    + (segment == null ? "no_segment" : segment.name())), "DRMS ID"));
            cards.add(new HeaderCard("PRIMARYK", HeaderCard.sanitize(String.join(", ", r.series().primeKeys())),
                    "DRMS primary key"));
            cards.add(new HeaderCard("LICENSE", LICENSE, "Data license"));
            if (longStrings) {
                cards.add(0, new HeaderCard("LONGSTRN", "OGIP 1.0", "The OGIP long string convention may be used"));
            }
        } catch (HeaderCardException e) {
            throw new IllegalStateException("cannot make the FITS header of " + r + ": " + e.getMessage(), e);
        }
        return cards;
    }

    /** A keyword's value with the definition that says its type, unit and format (the target's for a link). */
    private record Value(Object value, KeywordDef def) {
    }

    private static Value value(Record r, KeywordDef k) {
        if (!k.isLink()) {
            return new Value(r.get(k.name()), k);
        }
        Optional<Record> target = r.follow(k.linkName());
        if (target.isEmpty()) {
            return new Value(null, null);
        }
        Record t = target.get();
        KeywordDef td = t.series().keyword(k.targetKeyword()).orElse(null);
        if (td == null) {
            return new Value(null, null);
        }
        Value inner = value(t, td);
        return inner;
    }

    private HeaderCard card(FitsNames.Mapping m, Value v, String braced, List<HeaderCard> cards)
            throws HeaderCardException {
        String name = m.fitsName();
        KeywordDef def = v.def();
        Object value = v.value();
        String unit = def == null || def.unit() == null ? "" : def.unit().trim();
        boolean noUnit = unit.isEmpty() || unit.equalsIgnoreCase("none") || unit.equalsIgnoreCase("na");
        DrmsType type = def == null ? null : def.type();
        boolean missing = def == null || value == null || type.isMissing(value)
                || (value instanceof Number n && Double.isNaN(n.doubleValue()));

        if (name.equals("COMMENT") || name.equals("HISTORY")) {
            if (!missing) {
                String text = def.type() == DrmsType.STRING ? (String) value : KeywordValues.format(value, def);
                for (String line : text.split("\\R")) {
                    String clean = latin(line);
                    for (int i = 0; i < Math.max(1, clean.length()); i += 70) {
                        String piece = clean.substring(i, Math.min(clean.length(), i + 70));
                        cards.add(name.equals("COMMENT") ? HeaderCard.createCommentCard(piece)
                                : HeaderCard.createHistoryCard(piece));
                    }
                }
            }
            return null;
        }
        boolean date = name.equals("DATE") || name.equals("DATE-OBS");
        if (missing) {
            Double wcs = wcsDefault(name);
            if (wcs != null) {
                return new HeaderCard(name, wcs, comment(noUnit ? "" : unit, "", m.comment(), braced, COMMENT_ROOM));
            }
            if (reservedWithValue(name)) {
                return null;
            }
            return new HeaderCard(name, (Number) null,
                    comment(noUnit ? "" : unit, "(MISSING) ", m.comment(), braced, COMMENT_ROOM));
        }
        String c = comment(noUnit ? "" : unit, "", m.comment(), braced, COMMENT_ROOM);
        switch (m.cast()) {
            case INTEGER -> {
                return new HeaderCard(name, Math.round(((Number) numeric(value)).doubleValue()), c);
            }
            case FLOAT -> {
                return new HeaderCard(name, ((Number) numeric(value)).doubleValue(), c);
            }
            case LOGICAL -> {
                return new HeaderCard(name, ((Number) numeric(value)).doubleValue() != 0, c);
            }
            case STRING -> {
                return stringCard(name, KeywordValues.format(value, def), unit, noUnit, m, braced);
            }
            default -> {
            }
        }
        switch (type) {
            case CHAR, SHORT, INT, LONGLONG -> {
                return new HeaderCard(name, ((Number) value).longValue(), c);
            }
            case FLOAT -> {
                return new HeaderCard(name, ((Number) value).floatValue(), c);
            }
            case DOUBLE -> {
                return new HeaderCard(name, ((Number) value).doubleValue(), c);
            }
            case TIME -> {
                double t = ((Number) value).doubleValue();
                if (KeywordValues.isIntervalUnit(def.unit())) {
                    Double seconds = DrmsTime.unitSeconds(def.unit());
                    return new HeaderCard(name, seconds == null ? t : t / seconds, c);
                }
                String zone = date ? "ISO" : def.unit();
                String s = DrmsTime.format(t, zone, 3);
                if (s.endsWith("Z")) {
                    s = s.substring(0, s.length() - 1);
                }
                return stringCard(name, s, unit, noUnit, m, braced);
            }
            default -> {
                return stringCard(name, (String) value, unit, noUnit, m, braced);
            }
        }
    }

    private static Object numeric(Object value) {
        if (value instanceof Number) {
            return value;
        }
        try {
            return Double.parseDouble(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static HeaderCard stringCard(String name, String value, String unit, boolean noUnit,
                                         FitsNames.Mapping m, String braced) throws HeaderCardException {
        String s = latin(value);
        int shown = Math.max(s.length() + 2, 20);
        int room = 80 - 10 - shown - 3;
        String c = comment(noUnit ? "" : unit, "", m.comment(), braced, Math.max(room, COMMENT_ROOM));
        return new HeaderCard(name, s, c);
    }

    /** {@code [unit] marker text braced}, the text shortened so that the braced DRMS name fits in {@code room}. */
    static String comment(String unit, String marker, String text, String braced, int room) {
        String head = (unit.isEmpty() ? "" : "[" + unit + "] ") + marker;
        String body = latin(text);
        int left = room - head.length() - braced.length();
        if (body.length() > Math.max(left, 0)) {
            body = body.substring(0, Math.max(left, 0)).trim();
        }
        String out = (head + body).trim() + braced;
        return out.trim();
    }

    /** Printable ASCII only (FITS headers), other characters dropped. */
    static String latin(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            if (ch >= 32 && ch <= 126) {
                sb.append(ch);
            } else if (ch == '\t') {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    /** Whether the FITS standard reserves {@code name} with a value: a MISSING value then leaves the card out. */
    static boolean reservedWithValue(String name) {
        return RESERVED_WITH_VALUE.matcher(name).matches();
    }

    private static Double wcsDefault(String name) {
        if (name.matches("CDELT\\d+")) {
            return 1.0;
        }
        if (name.matches("(CRPIX|CRVAL|CROTA|CRDER|CSYER)\\d+")) {
            return 0.0;
        }
        return null;
    }
}
