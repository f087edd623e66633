package org.drmsbatch.drms;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.WrittenSegment;

/**
 * One record of a series: its identities (recnum, prime-key values, sunum and slot), keyword values, link values
 * and segment files. A record made in a session is writable until the session closes it; a record read from the
 * catalog is read-only.
 */
public final class Record {

    final SeriesLayout layout;
    final DrmsSession session;
    long recnum;
    long sunum = -1;
    int slotnum = -1;
    Path slotDirectory;
    long sessionId;
    String sessionNs;
    /**
     * The keyword values by keyword position; null while the record's values are still in the {@link RowBlock} it
     * was read into (a read-only record from the catalog: see {@link #value(int)}).
     */
    private Object[] values;
    /** For a record read from the catalog: the block holding its values, and its row there. */
    private final RowBlock block;
    private final int row;
    /** static link: Long recnum; dynamic link: Object[] target internal prime-key values */
    final Map<String, Object> links;
    final String[] segmentFiles;
    final int[][] axes;
    boolean writable;

    Record(SeriesLayout layout, DrmsSession session, boolean writable) {
        this.layout = layout;
        this.session = session;
        this.writable = writable;
        this.links = new LinkedHashMap<>();
        this.values = layout.defaults.clone();
        this.block = null;
        this.row = -1;
        int nseg = layout.def.segments().size();
        this.segmentFiles = new String[nseg];
        this.axes = new int[nseg][];
    }

    /** A read-only record read from the catalog whose keyword values are row {@code row} of {@code block}. */
    Record(SeriesLayout layout, DrmsSession session, RowBlock block, int row) {
        this.layout = layout;
        this.session = session;
        this.writable = false;
        this.block = block;
        this.row = row;
        // a read-only record's links are only filled by the reader, and only a series with links has any
        this.links = layout.hasLinks ? new LinkedHashMap<>() : Map.of();
        int nseg = layout.segmentCount;
        this.segmentFiles = nseg == 0 ? NO_FILES : new String[nseg];
        this.axes = nseg == 0 ? NO_AXES : new int[nseg][];
    }

    private static final String[] NO_FILES = new String[0];
    private static final int[][] NO_AXES = new int[0][];

    /** The value of the keyword at position {@code i} (boxed here, when asked for, for a record read from a block). */
    Object value(int i) {
        Object[] v = values;
        return v != null ? v[i] : block.value(row, i);
    }

    /** The values array, to write to (a writable record always has one; a block's record gets a copy). */
    Object[] values() {
        if (values == null) {
            Object[] v = new Object[layout.defaults.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = block.value(row, i);
            }
            values = v;
        }
        return values;
    }

    public SeriesDefinition series() {
        return layout.def;
    }

    public String seriesName() {
        return layout.def.name();
    }

    public long recnum() {
        return recnum;
    }

    public long sunum() {
        return sunum;
    }

    public int slotnum() {
        return slotnum;
    }

    public long sessionId() {
        return sessionId;
    }

    public boolean writable() {
        return writable;
    }

    /** The slot directory holding this record's segment files, or null when the record has none. */
    public Path directory() {
        return slotDirectory;
    }

    // ---- keywords ----

    /**
     * Sets a keyword, converting the value to the keyword's type. Setting a slotted keyword also sets its
     * {@code _index} keyword. Returns the conversion status; constant, index and linked keywords are read-only.
     */
    public KeywordStatus set(String keyword, Object value) {
        checkWritable();
        Integer i = layout.indexOf(keyword);
        if (i == null) {
            return KeywordStatus.UNKNOWN_KEYWORD;
        }
        KeywordDef k = layout.def.keywords().get(i);
        if (k.isConstant() || k.isIndex() || k.isLink()) {
            throw new DrmsException("Keyword '" + k.name() + "' of series '" + seriesName() + "' is "
                    + (k.isConstant() ? "a constant" : k.isIndex() ? "an index keyword" : "a linked keyword")
                    + " and cannot be set");
        }
        Converted c = KeywordValues.convert(value, k.type());
        values()[i] = c.value();
        Integer idx = layout.slotIndexOf.get(i);
        if (idx != null) {
            double v = ((Number) c.value()).doubleValue();
            values()[idx] = k.type().isMissing(c.value()) ? Long.MIN_VALUE : layout.slots.get(i).index(v);
        }
        return c.status();
    }

    /** The keyword's value as the Java object of its type (linked keywords followed). */
    public Object get(String keyword) {
        Integer i = layout.indexOf(keyword);
        if (i == null) {
            throw new DrmsException("Series '" + seriesName() + "' has no keyword '" + keyword + "'");
        }
        KeywordDef k = layout.def.keywords().get(i);
        if (k.isLink()) {
            Record target = follow(k.linkName()).orElse(null);
            return target == null ? null : target.get(k.targetKeyword());
        }
        return value(i);
    }

    /** The keyword's value converted to {@code type}, with the conversion status (UNKNOWN_KEYWORD when absent). */
    public Converted get(String keyword, DrmsType type) {
        if (layout.indexOf(keyword) == null) {
            return new Converted(type.missing(), KeywordStatus.UNKNOWN_KEYWORD);
        }
        Object v = get(keyword);
        if (v == null) {
            return new Converted(type.missing(), KeywordStatus.EXACT);
        }
        if (type == DrmsType.STRING) {
            return new Converted(format(keyword), KeywordStatus.EXACT);
        }
        return KeywordValues.convert(v, type);
    }

    public int getInt(String keyword) {
        return ((Number) get(keyword, DrmsType.INT).value()).intValue();
    }

    public long getLong(String keyword) {
        return ((Number) get(keyword, DrmsType.LONGLONG).value()).longValue();
    }

    public double getDouble(String keyword) {
        return ((Number) get(keyword, DrmsType.DOUBLE).value()).doubleValue();
    }

    /** A time keyword's value in TAI seconds since 1977.01.01_00:00:00_TAI. */
    public double getTime(String keyword) {
        return ((Number) get(keyword, DrmsType.TIME).value()).doubleValue();
    }

    /** The keyword printed with its format (times in their zone and precision). */
    public String format(String keyword) {
        Integer i = layout.indexOf(keyword);
        if (i == null) {
            throw new DrmsException("Series '" + seriesName() + "' has no keyword '" + keyword + "'");
        }
        KeywordDef k = layout.def.keywords().get(i);
        if (k.isLink()) {
            Record target = follow(k.linkName()).orElse(null);
            return target == null ? "" : target.format(k.targetKeyword());
        }
        return KeywordValues.format(value(i), k);
    }

    /** The prime-key values of this record, external keys, in order. */
    public Map<String, Object> primeKeyValues() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String pk : layout.def.primeKeys()) {
            out.put(pk, get(pk));
        }
        return out;
    }

    Object[] internalPrimeKeyValues() {
        List<KeywordDef> pks = layout.def.internalPrimeKeys();
        Object[] out = new Object[pks.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value(layout.indexOf(pks.get(i).name()));
        }
        return out;
    }

    // ---- links ----

    /** Points a link at a record of the link's target series (static: that version; dynamic: its prime keys). */
    public void setLink(String link, Record target) {
        checkWritable();
        LinkDef l = layout.def.link(link).orElseThrow(() -> new DrmsException(
                "Series '" + seriesName() + "' has no link '" + link + "'"));
        if (!l.targetSeries().equalsIgnoreCase(target.seriesName())) {
            throw new DrmsException("Link '" + l.name() + "' of series '" + seriesName() + "' points to series '"
                    + l.targetSeries() + "', not '" + target.seriesName() + "'");
        }
        links.put(l.name().toLowerCase(java.util.Locale.ROOT),
                l.isStatic() ? (Object) target.recnum : target.internalPrimeKeyValues());
    }

    /** The record a link points to (a dynamic link resolves to the latest version), if set and present. */
    public Optional<Record> follow(String link) {
        LinkDef l = layout.def.link(link).orElseThrow(() -> new DrmsException(
                "Series '" + seriesName() + "' has no link '" + link + "'"));
        Object v = links.get(l.name().toLowerCase(java.util.Locale.ROOT));
        if (v == null || session == null) {
            return Optional.empty();
        }
        if (session.ended()) {
            // a record kept after its session: its connection is closed, so follow in a new read transaction
            return session.drms().read(s -> s.follow(l, v));
        }
        return session.follow(l, v);
    }

    // ---- segments ----

    /** The path of a segment's file in this record's slot directory (whether or not it exists yet). */
    public Path segmentPath(String segment) {
        SegmentDef s = segmentDef(segment);
        if (slotDirectory == null) {
            if (sunum >= 0) {
                throw new OfflineException(this, sunum);
            }
            throw new DrmsException("Record " + seriesName() + ":" + recnum + " has no storage unit");
        }
        String file = segmentFiles[s.segnum()] != null ? segmentFiles[s.segnum()] : s.fileName();
        return slotDirectory.resolve(file);
    }

    /** The stored file name of a segment (null when never written). */
    public String segmentFile(String segment) {
        return segmentFiles[segmentDef(segment).segnum()];
    }

    /** Axis lengths of a segment: per record for vardim, else the definition's. */
    public int[] dimensions(String segment) {
        SegmentDef s = segmentDef(segment);
        if (axes[s.segnum()] != null) {
            return axes[s.segnum()].clone();
        }
        return s.dims().stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Writes an array as a segment's file in this record's slot, scaled as DRMS does (§4.2), and records the file,
     * the per-record bzero/bscale and, for vardim segments, the axis lengths. Values that do not fit the segment's
     * type become MISSING; the result counts them.
     */
    public WrittenSegment write(String segment, SegmentArray data) {
        checkWritable();
        SegmentDef s = segmentDef(segment);
        if (s.isLink()) {
            throw new DrmsException("Segment '" + s.name() + "' of series '" + seriesName()
                    + "' is a link and cannot be written");
        }
        if (s.protocol() == Protocol.GENERIC) {
            throw new DrmsException("Segment '" + s.name() + "' is generic: store a file instead of an array");
        }
        Path file = ownDirectory().resolve(s.fileName());
        try {
            WrittenSegment w = session.drms().segmentStorage().write(s.layout(), file, data);
            segmentFiles[s.segnum()] = s.fileName();
            if (s.scope() == SegmentDef.Scope.VARDIM) {
                axes[s.segnum()] = w.dims();
            }
            setImplicit(s.name() + "_bzero", w.bzero());
            setImplicit(s.name() + "_bscale", w.bscale());
            return w;
        } catch (IOException e) {
            throw new DrmsException("Cannot write segment '" + s.name() + "' of " + this + " to " + file + ": " + e, e);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new DrmsException("Segment '" + s.name() + "' of " + this + ": " + e.getMessage(), e);
        }
    }

    /** Copies a file into this record's slot as a generic segment (the file keeps its name). */
    public Path storeFile(String segment, Path source) {
        checkWritable();
        SegmentDef s = segmentDef(segment);
        if (s.protocol() != Protocol.GENERIC) {
            throw new DrmsException("Segment '" + s.name() + "' is " + s.protocol().jsdName() + ", not generic");
        }
        try {
            Path stored = session.drms().segmentStorage().storeGeneric(source, ownDirectory());
            segmentFiles[s.segnum()] = stored.getFileName().toString();
            return stored;
        } catch (IOException e) {
            throw new DrmsException("Cannot store " + source + " as segment '" + s.name() + "': " + e, e);
        }
    }

    /**
     * Makes an existing file this record's segment file without rewriting it: a hard link in the record's slot (same
     * filesystem), else a copy forced to disk. The source is left in place: whoever hands it over removes it once
     * the session has committed (a rollback then leaves it where it was). The file must already be in the
     * segment's format (a FITS segment: a FITS file whose header holds the array's type, axes, BZERO and BSCALE);
     * generic segments keep the source's name, others are stored under the segment's file name.
     *
     * @param dims   the array's axis lengths (recorded for a vardim segment; checked against a fixed one)
     * @param bzero  the file's BZERO, recorded as the segment's {@code _bzero} keyword
     * @param bscale the file's BSCALE, recorded as the segment's {@code _bscale} keyword
     * @return the file in the slot
     */
    public Path adoptFile(String segment, Path source, int[] dims, double bzero, double bscale) {
        checkWritable();
        SegmentDef s = segmentDef(segment);
        if (s.isLink()) {
            throw new DrmsException("Segment '" + s.name() + "' of series '" + seriesName()
                    + "' is a link and cannot be written");
        }
        if (s.protocol() != Protocol.GENERIC && s.scope() != SegmentDef.Scope.VARDIM
                && !Arrays.equals(s.dims().stream().mapToInt(Integer::intValue).toArray(), dims)) {
            throw new DrmsException("Segment '" + s.name() + "' of series '" + seriesName() + "' has axes "
                    + s.dims() + ", the file " + source.getFileName() + " has " + Arrays.toString(dims));
        }
        String name = s.protocol() == Protocol.GENERIC ? source.getFileName().toString() : s.fileName();
        Path target = ownDirectory().resolve(name);
        try {
            try {
                java.nio.file.Files.createLink(target, source);
            } catch (UnsupportedOperationException | IOException notLinked) {
                java.nio.file.Files.deleteIfExists(target);
                java.nio.file.Files.copy(source, target);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(target,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        } catch (IOException e) {
            throw new DrmsException("Cannot store " + source + " as segment '" + s.name() + "' of " + this + ": " + e,
                    e);
        }
        segmentFiles[s.segnum()] = name;
        if (s.scope() == SegmentDef.Scope.VARDIM) {
            axes[s.segnum()] = dims.clone();
        }
        setImplicit(s.name() + "_bzero", bzero);
        setImplicit(s.name() + "_bscale", bscale);
        return target;
    }

    /**
     * Reads a segment's array converted to {@code as} (bzero/bscale applied), or unconverted when {@code as} is
     * null. A linked segment is read from the record its link points to.
     */
    public SegmentArray read(String segment, DrmsType as) {
        SegmentDef s = segmentDef(segment);
        if (s.isLink()) {
            Record target = follow(s.linkName()).orElseThrow(() -> new DrmsException(
                    "Link '" + s.linkName() + "' of " + this + " is not set or its target is gone"));
            return target.read(s.targetSegment(), as);
        }
        if (segmentFiles[s.segnum()] != null && slotDirectory == null && sunum >= 0) {
            throw new OfflineException(this, sunum);
        }
        if (segmentFiles[s.segnum()] == null || slotDirectory == null) {
            throw new DrmsException("Record " + this + " has no file for segment '" + s.name() + "'");
        }
        Path file = slotDirectory.resolve(segmentFiles[s.segnum()]);
        try {
            return session.drms().segmentStorage().readArray(s.layout(), file, as);
        } catch (IOException e) {
            throw new DrmsException("Cannot read segment '" + s.name() + "' of " + this + " from " + file + ": " + e,
                    e);
        }
    }

    private void setImplicit(String keyword, Object value) {
        Integer i = layout.indexOf(keyword);
        if (i != null) {
            values()[i] = KeywordValues.convert(value, layout.def.keywords().get(i).type()).value();
        }
    }

    /** The slot directory, if this record's session allocated it: a clone sharing its source's slot may not write. */
    private Path ownDirectory() {
        if (slotDirectory == null) {
            throw new DrmsException("Record " + this + " has no storage-unit slot");
        }
        if (!session.ownsSlot(this)) {
            throw new DrmsException("Record " + this + " shares its segment files with the record it was cloned"
                    + " from; clone it with COPY to write segments");
        }
        return slotDirectory;
    }

    SegmentDef segmentDef(String segment) {
        return layout.def.segment(segment).orElseThrow(() -> new DrmsException(
                "Series '" + seriesName() + "' has no segment '" + segment + "'"));
    }

    void checkWritable() {
        if (!writable) {
            throw new DrmsException("Record " + seriesName() + ":" + recnum + " is read-only");
        }
    }

    @Override
    public String toString() {
        return seriesName() + ":" + recnum + Arrays.toString(internalPrimeKeyValues());
    }
}
