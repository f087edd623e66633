package org.drmsbatch.segments;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;

/**
 * Moves flat primitive arrays to and from byte channels in large NIO chunks, in a given byte order. The chunk
 * buffer is direct: a file channel copies a heap buffer through a temporary direct one first.
 */
final class RawCodec {

    private static final int CHUNK = 1 << 20;

    private RawCodec() {
    }

    /** Writes all values of {@code data} (a primitive array of {@code type}). */
    static void write(WritableByteChannel ch, DrmsType type, Object data, ByteOrder order) throws IOException {
        write(ch, type, data, order, false);
    }

    /**
     * Writes all values of {@code data} (a primitive array of {@code type}) and, when {@code sum}, returns the FITS
     * checksum of the bytes written (the 32-bit one's complement sum of their big-endian 32-bit words, a last
     * partial word padded with zeros), summed over each block while it is in the cache; else 0.
     */
    static long write(WritableByteChannel ch, DrmsType type, Object data, ByteOrder order, boolean sum)
            throws IOException {
        long total = 0;
        int size = SegmentArray.elementSize(type);
        int n = java.lang.reflect.Array.getLength(data);
        int per = CHUNK / size;
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(CHUNK, Math.max(n, 1) * size)).order(order);
        for (int off = 0; off < n; off += per) {
            int len = Math.min(per, n - off);
            buf.clear();
            switch (type) {
                case CHAR -> buf.put((byte[]) data, off, len);
                case SHORT -> buf.asShortBuffer().put((short[]) data, off, len);
                case INT -> buf.asIntBuffer().put((int[]) data, off, len);
                case LONGLONG -> buf.asLongBuffer().put((long[]) data, off, len);
                case FLOAT -> buf.asFloatBuffer().put((float[]) data, off, len);
                case DOUBLE, TIME -> buf.asDoubleBuffer().put((double[]) data, off, len);
                default -> throw new IllegalArgumentException("cannot write " + type);
            }
            buf.position(0).limit(len * size);
            if (sum) {
                total = fold(total + wordSum(buf, len * size));
            }
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        return total;
    }

    /** The sum of the big-endian 32-bit words of the first {@code bytes} of {@code buf}, zero-padded, unfolded. */
    private static long wordSum(ByteBuffer buf, int bytes) {
        java.nio.IntBuffer words = buf.duplicate().order(ByteOrder.BIG_ENDIAN).asIntBuffer();
        int n = bytes >>> 2;
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += words.get(i) & 0xFFFFFFFFL;
        }
        int rest = bytes & 3;
        if (rest != 0) {
            long w = 0;
            for (int k = 0; k < 4; k++) {
                w = (w << 8) | (k < rest ? buf.get(n * 4 + k) & 0xFF : 0);
            }
            s += w;
        }
        return s;
    }

    /** Folds the carries of a word sum back in: the 32-bit one's complement sum. */
    static long fold(long s) {
        while ((s >>> 32) != 0) {
            s = (s & 0xFFFFFFFFL) + (s >>> 32);
        }
        return s;
    }

    /** Fills {@code data} (a primitive array of {@code type}) from the channel; fails on a short file. */
    static void read(ReadableByteChannel ch, DrmsType type, Object data, ByteOrder order) throws IOException {
        int size = SegmentArray.elementSize(type);
        int n = java.lang.reflect.Array.getLength(data);
        int per = CHUNK / size;
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(CHUNK, Math.max(n, 1) * size)).order(order);
        for (int off = 0; off < n; off += per) {
            int len = Math.min(per, n - off);
            buf.clear().limit(len * size);
            readFully(ch, buf);
            buf.flip();
            switch (type) {
                case CHAR -> buf.get((byte[]) data, off, len);
                case SHORT -> buf.asShortBuffer().get((short[]) data, off, len);
                case INT -> buf.asIntBuffer().get((int[]) data, off, len);
                case LONGLONG -> buf.asLongBuffer().get((long[]) data, off, len);
                case FLOAT -> buf.asFloatBuffer().get((float[]) data, off, len);
                case DOUBLE, TIME -> buf.asDoubleBuffer().get((double[]) data, off, len);
                default -> throw new IllegalArgumentException("cannot read " + type);
            }
        }
    }

    /** Arrays of at least this many bytes are read through a memory map ({@link #readMapped}). */
    static final long MAP_THRESHOLD = 4L << 20;
    private static final long MAP_WINDOW = 256L << 20;

    /**
     * Fills {@code data} from the file's bytes at {@code offset} through a memory map, windows of 256 MiB at a time:
     * the values are copied (and byte-swapped) straight from the page cache, one copy less than {@link #read}. The
     * caller checks that the file is long enough.
     */
    static void readMapped(FileChannel ch, long offset, DrmsType type, Object data, ByteOrder order)
            throws IOException {
        int size = SegmentArray.elementSize(type);
        int n = java.lang.reflect.Array.getLength(data);
        int per = (int) (MAP_WINDOW / size);
        for (int off = 0; off < n; off += per) {
            int len = Math.min(per, n - off);
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, offset + (long) off * size, (long) len * size)
                    .order(order);
            switch (type) {
                case CHAR -> buf.get((byte[]) data, off, len);
                case SHORT -> buf.asShortBuffer().get((short[]) data, off, len);
                case INT -> buf.asIntBuffer().get((int[]) data, off, len);
                case LONGLONG -> buf.asLongBuffer().get((long[]) data, off, len);
                case FLOAT -> buf.asFloatBuffer().get((float[]) data, off, len);
                case DOUBLE, TIME -> buf.asDoubleBuffer().get((double[]) data, off, len);
                default -> throw new IllegalArgumentException("cannot read " + type);
            }
        }
    }

    static void readFully(ReadableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("file ends " + buf.remaining() + " bytes early");
            }
        }
    }
}
