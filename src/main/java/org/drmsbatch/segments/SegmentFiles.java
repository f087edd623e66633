package org.drmsbatch.segments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;
import org.drmsbatch.drms.types.SegmentStorage;
import org.drmsbatch.drms.types.WrittenSegment;

/**
 * Reads and writes segment files by protocol (specs/drms.md §1.5, §4): {@code fits}, {@code fitz}, {@code bin},
 * {@code bin.gz} through a {@link SegmentFormat}, and {@code generic} files copied as they are. Writing applies
 * DRMS' output scaling ({@code ScaleOutputArray}), reading its input conversion ({@code drms_segment_read}); files
 * are written under a temporary name and renamed, so a file under its final name is always complete.
 */
public final class SegmentFiles implements SegmentStorage {

    private final Map<Protocol, SegmentFormat> formats = new EnumMap<>(Protocol.class);

    public SegmentFiles() {
        formats.put(Protocol.FITS, new FitsFormat(false));
        formats.put(Protocol.FITZ, new FitsFormat(true));
        formats.put(Protocol.BIN, new BinFormat(false));
        formats.put(Protocol.BIN_GZ, new BinFormat(true));
    }

    /** The format of an array protocol; fails for generic, tas and links. */
    public SegmentFormat format(SegmentLayout def) {
        if (def.protocol() == null) {
            throw new IllegalArgumentException("segment '" + def.name() + "' is a link; read or write the target segment");
        }
        SegmentFormat f = formats.get(def.protocol());
        if (f == null) {
            throw new UnsupportedOperationException("segment '" + def.name() + "': protocol " + def.protocol().jsdName()
                    + (def.protocol() == Protocol.GENERIC ? " stores files, not arrays: use storeGeneric" : " is not supported"));
        }
        return f;
    }

    /**
     * Writes an array as segment {@code def} to {@code file}, scaled as DRMS does (§4.2):
     * <ul>
     * <li>integer segment, raw integer array: values stored as they are (converted to the segment type, range
     *     checked), with the array's bzero/bscale;</li>
     * <li>integer segment, floating (physical) array: stored = (physical &minus; bzero)/bscale with the segment's
     *     default bzero/bscale;</li>
     * <li>integer segment, physical integer array: no scaling (bzero 0, bscale 1);</li>
     * <li>floating segment: physical values (a raw array is scaled first), bzero 0, bscale 1.</li>
     * </ul>
     * The array's axis lengths must agree with the definition's non-zero lengths, except for vardim segments where
     * only naxis must agree.
     */
    @Override
    public WrittenSegment write(SegmentLayout def, Path file, SegmentArray data) throws IOException {
        SegmentFormat format = format(def);
        checkDims(def, data);
        Conversion c = toStored(def, data);
        SegmentArray stored = c.array();
        AtomicFile.write(file, temp -> format.write(temp, def, stored));
        return new WrittenSegment(file, stored.type(), stored.dims(), stored.bzero(), stored.bscale(), c.outOfRange());
    }

    /** The stored form of an array for a segment (the scaling step of {@link #write}). */
    public static Conversion toStored(SegmentLayout def, SegmentArray data) {
        DrmsType segType = def.type();
        if (segType == DrmsType.STRING) {
            throw new UnsupportedOperationException("segment '" + def.name() + "': string arrays are not supported");
        }
        if (segType.isInteger()) {
            if (data.isRaw()) {
                return Scaling.convert(data, segType, false);
            }
            if (data.type().isFloating()) {
                return Scaling.scaleForOutput(data, segType, def.bzero(), def.bscale());
            }
            Conversion c = Scaling.convert(data, segType, false);
            return new Conversion(c.array().withScaling(0, 1, true), c.outOfRange());
        }
        Conversion c = Scaling.convert(data, segType, true);
        return new Conversion(c.array().withScaling(0, 1, false), c.outOfRange());
    }

    /**
     * Reads segment {@code def} from {@code file}. With {@code as} null (DRMS' {@code raw}) the stored values come
     * back unconverted: for integer files a raw array with the file's bzero/bscale. Otherwise they are converted to
     * {@code as} applying bzero/bscale, and the count of values out of {@code as}'s range is reported.
     */
    public Conversion read(SegmentLayout def, Path file, DrmsType as) throws IOException {
        SegmentArray stored = format(def).read(file, def);
        if (as == null) {
            return new Conversion(stored, 0);
        }
        return Scaling.convert(stored, as, true);
    }

    /** Reads as {@link #read} and returns only the array. */
    @Override
    public SegmentArray readArray(SegmentLayout def, Path file, DrmsType as) throws IOException {
        return read(def, file, as).array();
    }

    /**
     * Copies an arbitrary file into {@code targetDir} for a generic segment, keeping its file name (the name to
     * store in {@code sg_NNN_file}). Returns the stored file.
     */
    @Override
    public Path storeGeneric(Path source, Path targetDir) throws IOException {
        return storeGeneric(source, targetDir, source.getFileName().toString());
    }

    /** Copies an arbitrary file into {@code targetDir} under {@code name}. */
    public Path storeGeneric(Path source, Path targetDir, String name) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("bad generic file name '" + name + "'");
        }
        if (!Files.isRegularFile(source)) {
            throw new IOException(source + ": not a regular file");
        }
        Path target = targetDir.resolve(name);
        AtomicFile.write(target, temp -> Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING));
        return target;
    }

    /** The bytes of a generic segment file. */
    public byte[] readGeneric(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    /** Fails when an array's axes disagree with a segment definition. */
    public static void checkDims(SegmentLayout def, SegmentArray data) {
        int naxis = def.naxis();
        if (naxis == 0) {
            return;
        }
        if (data.naxis() != naxis) {
            throw new IllegalArgumentException("segment '" + def.name() + "': array has " + data.naxis()
                    + " axes, the definition has " + naxis);
        }
        if (def.vardim()) {
            return;
        }
        for (int i = 0; i < naxis; i++) {
            int want = def.dims().get(i);
            if (want != 0 && want != data.dim(i)) {
                throw new IllegalArgumentException("segment '" + def.name() + "': axis " + (i + 1) + " has length "
                        + data.dim(i) + ", the definition says " + want);
            }
        }
    }
}
