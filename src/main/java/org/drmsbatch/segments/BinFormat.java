package org.drmsbatch.segments;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;

/**
 * The DRMS RAW format of protocols {@code bin} and {@code bin.gz} (specs/drms.md §4.4, drms_binfile.c), all
 * little-endian: {@code "DRMS RAW"}, int32 type (DRMS type enum: char 0 ... string 7), int32 naxis, int32
 * axis[naxis], for integer types float64 bscale then float64 bzero, int64 buflen, then the data. {@code bin.gz} is
 * the same stream gzip-compressed.
 */
public final class BinFormat implements SegmentFormat {

    static final byte[] MAGIC = "DRMS RAW".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_NAXIS = 32;

    private final boolean gzip;

    public BinFormat(boolean gzip) {
        this.gzip = gzip;
    }

    @Override
    public void write(Path file, SegmentLayout segment, SegmentArray a) throws IOException {
        DrmsType type = a.type();
        int[] dims = a.dims();
        int size = SegmentArray.elementSize(type);
        ByteBuffer head = ByteBuffer.allocate(8 + 4 + 4 + 4 * dims.length + 16 + 8).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).putInt(type.ordinal()).putInt(dims.length);
        for (int d : dims) {
            head.putInt(d);
        }
        if (type.isInteger()) {
            head.putDouble(a.bscale()).putDouble(a.bzero());
        }
        head.putLong((long) a.length() * size);
        head.flip();
        if (gzip) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16);
                 WritableByteChannel ch = Channels.newChannel(out)) {
                ch.write(head);
                RawCodec.write(ch, type, a.data(), ByteOrder.LITTLE_ENDIAN);
            }
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                RawCodec.write(ch, type, a.data(), ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    @Override
    public SegmentArray read(Path file, SegmentLayout segment) throws IOException {
        if (gzip) {
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16);
                 ReadableByteChannel ch = Channels.newChannel(in)) {
                return read(ch, file);
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file);
        }
    }

    private static SegmentArray read(ReadableByteChannel ch, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        RawCodec.readFully(ch, b);
        b.flip();
        byte[] magic = new byte[8];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not a DRMS RAW file");
        }
        int t = b.getInt();
        int naxis = b.getInt();
        if (t < 0 || t >= DrmsType.values().length || DrmsType.values()[t] == DrmsType.STRING) {
            throw new IOException(file + ": unsupported DRMS type " + t);
        }
        if (naxis < 0 || naxis > MAX_NAXIS) {
            throw new IOException(file + ": bad naxis " + naxis);
        }
        DrmsType type = DrmsType.values()[t];
        ByteBuffer rest = ByteBuffer.allocate(4 * naxis + (type.isInteger() ? 16 : 0) + 8).order(ByteOrder.LITTLE_ENDIAN);
        RawCodec.readFully(ch, rest);
        rest.flip();
        int[] dims = new int[naxis];
        for (int i = 0; i < naxis; i++) {
            dims[i] = rest.getInt();
        }
        double bscale = 1;
        double bzero = 0;
        if (type.isInteger()) {
            bscale = rest.getDouble();
            bzero = rest.getDouble();
        }
        long buflen = rest.getLong();
        int n = SegmentArray.count(dims);
        if (buflen != (long) n * SegmentArray.elementSize(type)) {
            throw new IOException(file + ": buflen " + buflen + " does not match " + n + " values of " + type);
        }
        Object data = SegmentArray.newData(type, n);
        RawCodec.read(ch, type, data, ByteOrder.LITTLE_ENDIAN);
        return SegmentArray.of(type, dims, data, bzero, bscale, true);
    }
}
