package org.drmsbatch.export;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.drmsbatch.drms.KeywordDef;

/**
 * The FITS name of a DRMS keyword (specs/drms.md §5.1, JSOC {@code fitsexport_mapexportkey}): the first of these
 * that gives a valid name wins:
 * <ol>
 * <li>the keyword map file ({@code kmfile}: lines {@code drms_name fits_name});</li>
 * <li>{@code [NAME]} or {@code [NAME:TYPE]} at the start of the keyword's description (TYPE casts the value:
 *     INTEGER, FLOAT, STRING or LOGICAL);</li>
 * <li>the DRMS name upper-cased;</li>
 * <li>generated: every character that is not a letter or digit dropped, upper-cased, the first 8 kept, and
 *     {@code _} put before a reserved name ({@code BITPIX} becomes {@code _BITPIX}).</li>
 * </ol>
 * A per-segment keyword ({@code NAME_001}) is named without its {@code _NNN} suffix. A valid name has at most 8
 * characters of {@code A-Z 0-9 _ -} and is not reserved: the FITS structure's own names ({@code SIMPLE, EXTEND,
 * BZERO, BSCALE, BLANK, BITPIX, NAXIS, NAXISn, END}, and here also {@code XTENSION, PCOUNT, GCOUNT, CHECKSUM,
 * DATASUM, LONGSTRN} and the tile-compression and table keywords) and the ones the export adds itself
 * ({@code RECNUM, DRMS_ID, PRIMARYK, LICENSE}). {@code DATE, DATE-OBS, COMMENT, HISTORY} are valid and handled
 * specially by {@link FitsHeaderMapper}. Examples: {@code T_REC} stays {@code T_REC}, {@code T_REC_step} becomes
 * {@code TRECSTEP}, {@code DATE__OBS} described {@code [DATE-OBS] ...} becomes {@code DATE-OBS}.
 */
public final class FitsNames {

    /** A value cast asked for by {@code [NAME:TYPE]}. */
    public enum Cast { NONE, INTEGER, FLOAT, STRING, LOGICAL }

    /**
     * The FITS name of a keyword, the cast, and the short comment (the description without its {@code [..]}
     * prefix, cut at the first single {@code -}, {@code --} kept as {@code -}).
     */
    public record Mapping(String fitsName, Cast cast, String comment) {
    }

    private static final Pattern VALID = Pattern.compile("[A-Z0-9_-]{1,8}");
    private static final Pattern PER_SEGMENT_SUFFIX = Pattern.compile("_\\d{3}$");
    private static final Set<String> RESERVED = Set.of("SIMPLE", "EXTEND", "BZERO", "BSCALE", "BLANK", "BITPIX",
            "NAXIS", "END", "XTENSION", "PCOUNT", "GCOUNT", "CHECKSUM", "DATASUM", "LONGSTRN", "CONTINUE", "TFIELDS",
            "THEAP", "ZIMAGE", "ZSIMPLE", "ZTENSION", "ZBITPIX", "ZNAXIS", "ZCMPTYPE", "ZMASKCMP", "ZPCOUNT",
            "ZGCOUNT", "ZQUANTIZ", "ZDITHER0", "ZEXTEND", "ZBLOCKED", "ZHECKSUM", "ZDATASUM", "ZBLANK", "ZSCALE",
            "ZZERO", "RECNUM", "DRMS_ID", "PRIMARYK", "LICENSE");
    private static final Pattern RESERVED_INDEXED = Pattern.compile(
            "(NAXIS|ZNAXIS|ZTILE|ZNAME|ZVAL|TTYPE|TFORM|TDIM|TUNIT|TSCAL|TZERO|TNULL|TDISP)\\d+");

    private final Map<String, String> keywordMap;

    /** @param keywordMap the keyword map file's entries, DRMS names lower-cased (empty: none) */
    public FitsNames(Map<String, String> keywordMap) {
        this.keywordMap = keywordMap;
    }

    /** The mapping of a keyword. */
    public Mapping map(KeywordDef k) {
        String drmsName = drmsName(k);
        String description = k.description() == null ? "" : k.description().trim();
        String castName = null;
        Cast cast = Cast.NONE;
        String rest = description;
        if (description.startsWith("[")) {
            int space = description.indexOf(' ');
            String first = space < 0 ? description : description.substring(0, space);
            if (first.length() > 2 && first.endsWith("]")) {
                String inner = first.substring(1, first.length() - 1);
                int colon = inner.indexOf(':');
                castName = colon < 0 ? inner : inner.substring(0, colon);
                if (colon >= 0) {
                    cast = castOf(inner.substring(colon + 1));
                }
                rest = space < 0 ? "" : description.substring(space + 1).trim();
            }
        }
        String comment = shortComment(rest);
        String mapped = keywordMap.get(k.name().toLowerCase(Locale.ROOT));
        if (mapped == null) {
            mapped = keywordMap.get(drmsName.toLowerCase(Locale.ROOT));
        }
        if (mapped != null && isValid(mapped.toUpperCase(Locale.ROOT))) {
            return new Mapping(mapped.toUpperCase(Locale.ROOT), cast, comment);
        }
        if (castName != null && isValid(castName.toUpperCase(Locale.ROOT))) {
            return new Mapping(castName.toUpperCase(Locale.ROOT), cast, comment);
        }
        String upper = drmsName.toUpperCase(Locale.ROOT);
        if (isValid(upper)) {
            return new Mapping(upper, cast, comment);
        }
        return new Mapping(generated(drmsName), cast, comment);
    }

    /** The DRMS name a keyword is exported under: a per-segment keyword without its {@code _NNN} suffix. */
    public static String drmsName(KeywordDef k) {
        return k.perSegment() ? PER_SEGMENT_SUFFIX.matcher(k.name()).replaceFirst("") : k.name();
    }

    /** Whether a name is a valid FITS keyword name for an exported DRMS keyword. */
    public static boolean isValid(String name) {
        return VALID.matcher(name).matches() && !isReserved(name);
    }

    static boolean isReserved(String name) {
        return RESERVED.contains(name) || RESERVED_INDEXED.matcher(name).matches();
    }

    /** Rule 4: letters and digits only, upper-cased, 8 at most, {@code _} before a reserved result. */
    public static String generated(String drmsName) {
        StringBuilder sb = new StringBuilder();
        for (char c : drmsName.toCharArray()) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                sb.append(Character.toUpperCase(c));
            }
        }
        String g = sb.length() > 8 ? sb.substring(0, 8) : sb.toString();
        if (g.isEmpty()) {
            g = "_";
        }
        if (isReserved(g)) {
            g = "_" + (g.length() > 7 ? g.substring(0, 7) : g);
        }
        return g;
    }

    private static Cast castOf(String s) {
        return switch (s.trim().toUpperCase(Locale.ROOT)) {
            case "INTEGER" -> Cast.INTEGER;
            case "FLOAT" -> Cast.FLOAT;
            case "STRING" -> Cast.STRING;
            case "LOGICAL" -> Cast.LOGICAL;
            default -> Cast.NONE;
        };
    }

    /** The text before the first single {@code -}; {@code --} stands for a literal {@code -}. */
    static String shortComment(String description) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < description.length(); i++) {
            char c = description.charAt(i);
            if (c == '-') {
                if (i + 1 < description.length() && description.charAt(i + 1) == '-') {
                    sb.append('-');
                    i++;
                    continue;
                }
                break;
            }
            sb.append(c);
        }
        return sb.toString().trim();
    }
}
