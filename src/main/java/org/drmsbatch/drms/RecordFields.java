package org.drmsbatch.drms;

import java.util.Locale;
import java.util.Optional;

import org.drmsbatch.sums.Sums;

/**
 * What DRMS's listing tools print for a record besides its keywords (show_info, and jsoc_info over HTTP): the
 * record's spec and the pseudo-keys {@code *recnum*}, {@code *sunum*}, {@code *size*}, ... One place for both so
 * that {@code drms show-info} and the JSOC API print a record alike.
 */
public final class RecordFields {

    private RecordFields() {
    }

    /**
     * A record's spec as DRMS prints it ({@code drms_sprint_rec_query}): {@code series[pk1][pk2]} with the prime-key
     * values printed with their formats, or {@code series[:#recnum]} for a series without prime keys.
     */
    public static String spec(Record r) {
        StringBuilder sb = new StringBuilder(r.seriesName());
        if (r.series().primeKeys().isEmpty()) {
            return sb.append("[:#").append(r.recnum()).append(']').toString();
        }
        for (String pk : r.series().primeKeys()) {
            sb.append('[').append(r.format(pk)).append(']');
        }
        return sb.toString();
    }

    /** A record by its record number, {@code series[:#recnum]}: how a static link's target is printed. */
    public static String recnumSpec(Record r) {
        return r.seriesName() + "[:#" + r.recnum() + "]";
    }

    /** The pseudo-keys the tools accept in {@code key=}, with their column names and types. */
    public enum PseudoKey {
        RECNUM("*recnum*", "recnum", "longlong"),
        SUNUM("*sunum*", "sunum", "longlong"),
        SLOT("*slot*", "slot", "int"),
        SIZE("*size*", "size", "longlong"),
        ONLINE("*online*", "online", "string"),
        RETAIN("*retain*", "retain", "string"),
        ARCHIVE("*archive*", "archive", "string"),
        RECDIR("*recdir*", "recdir", "string"),
        SPEC("*spec*", "spec", "string");

        private final String key;
        private final String column;
        private final String type;

        PseudoKey(String key, String column, String type) {
            this.key = key;
            this.column = column;
            this.type = type;
        }

        /** As written in {@code key=}, e.g. {@code *recnum*}. */
        public String key() {
            return key;
        }

        /** The column header show_info prints, e.g. {@code recnum}. */
        public String column() {
            return column;
        }

        public String type() {
            return type;
        }

        /** Whether the value comes from SUMS (the record's storage unit). */
        public boolean needsStorageInfo() {
            return this == SIZE || this == ONLINE || this == RETAIN || this == ARCHIVE;
        }

        /** The pseudo-key of that name (case-insensitive), if it is one. */
        public static Optional<PseudoKey> of(String key) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (PseudoKey p : values()) {
                if (p.key.equals(k)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }

        /** The names, for error messages: {@code *recnum*, *sunum*, ...}. */
        public static String names() {
            StringBuilder sb = new StringBuilder();
            for (PseudoKey p : values()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(p.key);
            }
            return sb.toString();
        }
    }

    /**
     * A pseudo-key's value for a record as show_info prints it. {@code unit} is what SUMS knows of the record's
     * storage unit (null when the record has none or SUMS does not know it): the SUMS pseudo-keys then print
     * {@code NA} (empty for a record without a unit); {@code *retain*} is the unit's effective date (YYYYMMDDHHMM).
     */
    public static String value(PseudoKey key, Record r, Sums.Info unit) {
        return switch (key) {
            case RECNUM -> Long.toString(r.recnum());
            case SUNUM -> Long.toString(r.sunum());
            case SLOT -> Integer.toString(r.slotnum());
            case SPEC -> spec(r);
            case RECDIR -> r.directory() == null ? "" : r.directory().toString();
            case SIZE -> unit == null ? missingUnit(r) : Long.toString(unit.bytes());
            case ONLINE -> unit == null ? missingUnit(r) : unit.online() ? "Y" : "N";
            case RETAIN -> unit == null ? missingUnit(r) : String.valueOf(unit.effectiveDate());
            case ARCHIVE -> unit == null ? missingUnit(r) : unit.archived() ? "Y" : "N";
        };
    }

    private static String missingUnit(Record r) {
        return r.sunum() < 0 ? "" : "NA";
    }
}
